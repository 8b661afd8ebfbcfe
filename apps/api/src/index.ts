export { createApp, type AppDeps } from './app.js';
export {
  apiEnv,
  assertSafeAuth,
  loadConfig,
  resolveAuth,
  ConfigError,
  type ApiEnv,
  type Config,
} from './config.js';
export { createMetrics, type Metrics } from './metrics.js';
export { openApiDocument } from './openapi.js';
export { servingLine, startApi, type ApiStartDeps, type RunningApi } from './start.js';
