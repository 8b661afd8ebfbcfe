// `pnpm start`: builds what is needed and starts the all-in-one service (API + worker in one process).
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

const entry = 'apps/api/dist/all-in-one.js';
if (!existsSync('apps/api/package.json')) {
  console.error('visionq: the service apps are not built yet (apps/api, apps/worker); see the open issues.');
  process.exit(1);
}
const build = spawnSync('pnpm', ['build'], { stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);
const run = spawnSync(process.execPath, [entry], { stdio: 'inherit' });
process.exit(run.status ?? 1);
