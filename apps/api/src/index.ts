export { createApp } from './app.js';
export type { ApiDeps, ImageInfo } from './deps.js';
export { loadConfig, ConfigError, type Config } from './config.js';
export { openApiDocument } from './openapi.js';
