import type { Request } from 'express';
import {
  NotificationStatusSchema,
  type ResultRecord,
  type ScoredLabel,
  type TerminalRecord,
} from '@visionq/core';
import type { FailedBody, PendingBody, SucceededBody } from './schemas.js';

const DEFAULT_LANGUAGE = 'en';

export function pendingBody(record: Pick<ResultRecord, 'task_id' | 'status'>): PendingBody {
  return { task_id: record.task_id, status: record.status as PendingBody['status'] };
}

/** The public view of an ended task: no owner, and display names in the language the request prefers. */
export function terminalBody(
  record: Exclude<TerminalRecord, { status: 'cancelled' }>,
  req: Request,
): SucceededBody | FailedBody {
  const times = {
    created_at: record.created_at,
    completed_at: record.completed_at,
    // The channel, the attempts and the times, and nothing else a record might ever hold about where it went.
    ...(record.notification ? { notification: NotificationStatusSchema.parse(record.notification) } : {}),
  };
  if (record.status === 'failed')
    return { task_id: record.task_id, status: 'failed', error: record.error, ...times };
  const { result } = record;
  const named = [result, ...result.top_k];
  const languages = [...new Set(named.flatMap((entry) => Object.keys(entry.names ?? {})))];
  const language = (languages.length > 0 && req.acceptsLanguages(...languages)) || DEFAULT_LANGUAGE;
  const view = ({ label, confidence, names }: ScoredLabel) => {
    const display = names?.[language] ?? names?.[DEFAULT_LANGUAGE];
    return display === undefined ? { label, confidence } : { label, confidence, display };
  };
  return {
    task_id: record.task_id,
    status: 'succeeded',
    result: { ...view(result), recognized: result.recognized, top_k: result.top_k.map(view) },
    model: { name: record.model.name, version: record.model.version },
    ...times,
  };
}
