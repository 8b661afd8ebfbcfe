// Builds what an entry point needs (turbo caches it) and runs it:
//   node scripts/start.mjs all-in-one | api | worker | token <uid>
import { spawnSync } from 'node:child_process';

const ENTRIES = {
  'all-in-one': ['@visionq/all-in-one', 'apps/all-in-one/dist/main.js'],
  api: ['@visionq/api', 'apps/api/dist/main.js'],
  worker: ['@visionq/worker', 'apps/worker/dist/main.js'],
  token: ['@visionq/api', 'apps/api/dist/token.js'],
};
const [name = 'all-in-one', ...args] = process.argv.slice(2);
const entry = ENTRIES[name];
if (!entry) {
  console.error(`usage: node scripts/start.mjs ${Object.keys(ENTRIES).join('|')}`);
  process.exit(2);
}
const [filter, script] = entry;
const build = spawnSync(
  'pnpm',
  ['exec', 'turbo', 'run', 'build', `--filter=${filter}...`, '--output-logs=errors-only'],
  {
    stdio: ['ignore', name === 'token' ? 'ignore' : 'inherit', 'inherit'],
  },
);
if (build.status !== 0) process.exit(build.status ?? 1);
const child = spawnSync(process.execPath, [script, ...args], { stdio: 'inherit' });
process.exit(child.status ?? 1);
