export {
  ConfigError,
  bool,
  brokerEnv,
  configError,
  int,
  parseEnv,
  processEnv,
  requireBrokers,
  url,
  type BrokerEnv,
  type ProcessEnv,
} from './env.js';
export { callbackPolicy, notifyEnv, notifyProblems, type NotifyEnv } from './notify-env.js';
export { createInfrastructure, type Infrastructure } from './infrastructure.js';
export { createLogger, prettyStream, stdout, type LogFormat } from './logger.js';
export { bundledModelPath, repoPath } from './paths.js';
export { countBuffersInHeapLimit } from './gc.js';
export { run, stopOnSignal } from './process.js';
export {
  serveConfiguredMetrics,
  serveMetrics,
  type MetricsServer,
  type MetricsSource,
} from './metrics-server.js';
