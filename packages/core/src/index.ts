export * from './errors.js';
export * from './schemas.js';
export * from './ports.js';
export * from './records.js';
export * from './recognition.js';
export * from './buffer-pool.js';
export * from './memory/index.js';
