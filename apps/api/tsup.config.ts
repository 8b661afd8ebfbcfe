import { copyFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { defineConfig } from 'tsup';

// Redoc's browser bundle is the only file of the `redoc` package the API serves: copied beside the built modules,
// it spares the production install the package and its dependencies (src/routes/docs.ts).
const redoc = dirname(createRequire(import.meta.url).resolve('redoc/package.json'));

export default defineConfig({
  entry: ['src/index.ts', 'src/main.ts', 'src/token.ts'],
  format: ['esm'],
  dts: { entry: 'src/index.ts' },
  clean: true,
  sourcemap: true,
  target: 'node20',
  onSuccess: () => copyFile(join(redoc, 'bundles', 'redoc.standalone.js'), 'dist/redoc.standalone.js'),
});
