import { Router, type ErrorRequestHandler } from 'express';
import { NotFoundError, TaskIdSchema } from '@visionq/core';
import type { AppDeps } from '../app.js';
import { answerTask, waitSeconds } from '../http/wait.js';

/** Seconds a client should wait before polling a pending task again. */
const POLL_AFTER_S = 1;

/**
 * GET /result/{task_id}: only the uid that submitted a task can see it. Every other case (not a UUID, unknown,
 * expired, someone else's) is the very same 404, so that nobody can learn that a task exists.
 */
export function resultRoute({ store }: AppDeps): Router {
  const notFound = () => new NotFoundError('task not found');
  const router = Router();
  router.get('/result/:taskId', async (req, res) => {
    const wait = waitSeconds(req);
    const taskId = req.params.taskId as string;
    if (!TaskIdSchema.safeParse(taskId).success) throw notFound();
    const record = await store.get(taskId);
    // A cancelled task was taken back by its owner: gone, as SPEC asks of a GET after DELETE.
    if (!record || record.owner !== res.locals.uid || record.status === 'cancelled') throw notFound();
    await answerTask(req, res, { store, record, wait, pending: { 'Retry-After': String(POLL_AFTER_S) } });
  });
  // A path that does not percent-decode (`/result/%zz`) fails in the router, before the route: it names no task.
  router.use('/result', ((error, _req, _res, next) => {
    next(error instanceof URIError ? notFound() : error);
  }) as ErrorRequestHandler);
  return router;
}
