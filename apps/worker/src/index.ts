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
export { createNotifiers, createOutbox, outboxIdleMs, type NotifyDeps } from './notify.js';
export { createFcmNotifier, observeFcm } from './fcm.js';
