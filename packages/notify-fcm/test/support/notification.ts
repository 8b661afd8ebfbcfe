import { randomUUID } from 'node:crypto';
import {
  cancelledRecord,
  newQueuedRecord,
  terminalRecord,
  type Notification,
  type TaskOutcome,
  type TerminalRecord,
} from '@visionq/core';
import { succeeded } from '@visionq/core/testing';

/** A stop sign, recognised, named in English and Spanish. */
export function stopSign(): TaskOutcome {
  const outcome = succeeded('stop', 0.97);
  if (outcome.status === 'succeeded') outcome.result.names = { en: 'Stop', es: 'Pare' };
  return outcome;
}

/** The notification of a task of alice's that ended by `outcome` (or was cancelled), to send to `token`. */
export function notificationFor(
  token: string,
  outcome: TaskOutcome | 'cancelled' = stopSign(),
  language = 'es',
): Notification {
  const taskId = randomUUID();
  const record =
    outcome === 'cancelled'
      ? cancelledRecord(newQueuedRecord(taskId, 'alice'))
      : terminalRecord(taskId, 'alice', undefined, outcome);
  return {
    id: `task-${taskId}`,
    target: { channel: 'fcm', token },
    record: record as TerminalRecord,
    language,
  };
}
