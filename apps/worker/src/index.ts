export {
  checkNotify,
  loadWorkerConfig,
  notifyWorkerEnv,
  type NotifySettings,
  withModelPath,
  workerEnv,
  workerMetricsEnv,
  type WorkerConfig,
  type WorkerSettings,
} from './config.js';
export { startWorker, type StartedWorker, type WorkerStartDeps } from './start.js';
export { callbackPolicy, createNotifiers, createOutbox, outboxIdleMs, type NotifyDeps } from './notify.js';
