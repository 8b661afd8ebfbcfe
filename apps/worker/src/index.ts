export {
  loadWorkerConfig,
  withModelPath,
  workerEnv,
  type WorkerConfig,
  type WorkerSettings,
} from './config.js';
export { startWorker, type StartedWorker, type WorkerStartDeps } from './start.js';
