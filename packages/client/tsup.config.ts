import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm'],
  dts: true,
  clean: true,
  sourcemap: true,
  // Runs in browsers as well as Node: nothing Node-specific may be emitted.
  platform: 'neutral',
  target: 'es2022',
});
