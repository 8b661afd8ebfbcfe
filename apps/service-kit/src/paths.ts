import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root: the nearest folder above this file that holds `pnpm-workspace.yaml`, else the cwd. */
function findRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'pnpm-workspace.yaml'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) return process.cwd();
    dir = parent;
  }
}

const root = findRoot();

export function repoPath(relative: string): string {
  return resolve(root, relative);
}

/** The demo model `MODEL_PATH` defaults to. */
export function bundledModelPath(): string {
  return repoPath('models/traffic-signs/traffic-signs.onnx');
}
