import type { TerminalRecord } from '@visionq/core';

/** The event type of every webhook visionq sends. */
export const TASK_ENDED = 'task.ended';

/**
 * The JSON body of a webhook, as Standard Webhooks suggests: `type`, `timestamp` (when the task ended) and `data`,
 * the task's record as the port hands it over, less the owner's uid. The same bytes on every attempt.
 */
export function webhookBody(record: TerminalRecord): string {
  const { owner: _owner, ...data } = record;
  return JSON.stringify({ type: TASK_ENDED, timestamp: record.completed_at, data });
}
