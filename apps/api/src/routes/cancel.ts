import { Router } from 'express';
import { NotFoundError, TaskIdSchema, type ResultStore } from '@visionq/core';

/**
 * DELETE /result/{task_id}: the owner takes a task back. Not yet started: never classified; in progress: ended
 * `cancelled`, its late result dropped; ended: its result deleted at once. 204. Everything else (not a UUID,
 * unknown, expired, someone else's, already cancelled) is the very same 404 as GET's.
 */
export function cancelRoute({ store }: { store: ResultStore }): Router {
  return Router().delete('/result/:taskId', async (req, res) => {
    const taskId = req.params.taskId as string;
    const notFound = () => new NotFoundError('task not found');
    if (!TaskIdSchema.safeParse(taskId).success) throw notFound();
    const record = await store.get(taskId);
    if (!record || record.owner !== res.locals.uid || record.status === 'cancelled') throw notFound();
    await store.cancel(taskId);
    req.log.info({ task_id: taskId, status: record.status }, 'task cancelled');
    res.status(204).end();
  });
}
