import { randomUUID } from 'node:crypto';
import type { Notification, TerminalRecord } from '@visionq/core';

const at = '2026-01-02T03:04:05.000Z';

/** An ended task's notification for `token`, succeeded unless `record` says otherwise. */
export function notificationFor(
  token: string,
  record: Record<string, unknown> = {},
  language = 'es',
): Notification {
  const taskId = randomUUID();
  const base = {
    task_id: taskId,
    owner: 'alice',
    status: 'succeeded',
    created_at: at,
    updated_at: at,
    completed_at: at,
    model: { name: 'traffic-signs', version: '2' },
    result: {
      label: 'stop',
      confidence: 0.97,
      recognized: true,
      names: { en: 'Stop', es: 'Pare' },
      top_k: [{ label: 'stop', confidence: 0.97, names: { en: 'Stop', es: 'Pare' } }],
    },
  };
  const merged: Record<string, unknown> = { ...base, ...record };
  if (merged.status !== 'succeeded') delete merged.result;
  return {
    id: `task-${taskId}`,
    target: { channel: 'fcm', token },
    record: merged as TerminalRecord,
    language,
  };
}
