import { defineConfig } from 'tsup';

export default defineConfig([
  {
    entry: ['src/index.ts', 'src/cli.ts'],
    format: ['esm'],
    dts: { entry: 'src/index.ts' },
    clean: true,
    sourcemap: true,
    target: 'node20',
  },
  {
    // The worker thread's module: plain JavaScript, loaded by path from beside the bundle.
    entry: ['src/session-worker.js'],
    format: ['esm'],
    sourcemap: true,
    target: 'node20',
  },
]);
