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
export { createInfrastructure, type Infrastructure } from './infrastructure.js';
export { createLogger, stdout } from './logger.js';
export { bundledModelPath, repoPath } from './paths.js';
export { run, stopOnSignal } from './process.js';
