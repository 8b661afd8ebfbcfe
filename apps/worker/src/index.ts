export {
  loadWorkerConfig,
  withModelPath,
  workerEnv,
  workerMetricsEnv,
  type WorkerConfig,
  type WorkerSettings,
} from './config.js';
export { startWorker, type StartedWorker, type WorkerStartDeps } from './start.js';
