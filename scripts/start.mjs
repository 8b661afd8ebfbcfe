// Builds what an entry point needs (turbo caches it) and runs it:
//   node scripts/start.mjs all-in-one | api | worker | token <uid>
import { spawn, spawnSync } from 'node:child_process';
import { constants } from 'node:os';

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
// Quiet unless it fails: turbo's banners and summaries say nothing a person starting the service needs.
const build = spawnSync(
  'pnpm',
  ['exec', 'turbo', 'run', 'build', `--filter=${filter}...`, '--output-logs=errors-only'],
  {
    env: { ...process.env, TURBO_TELEMETRY_DISABLED: '1', DO_NOT_TRACK: '1', TURBO_NO_UPDATE_NOTIFIER: '1' },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  },
);
if (build.status !== 0) {
  process.stderr.write(`${build.stdout ?? ''}${build.stderr ?? ''}`);
  process.stderr.write(`visionq: the build failed (pnpm build shows it again)\n`);
  process.exit(build.status ?? 1);
}
const child = spawn(process.execPath, [script, ...args], { stdio: 'inherit' });
// Ctrl-C reaches the whole process group, the service included, which stops itself cleanly: this process only
// waits for it and exits as it did, so that pnpm reports no failure. A SIGTERM sent to this process alone is
// passed on.
process.on('SIGINT', () => undefined);
process.on('SIGTERM', () => child.kill('SIGTERM'));
child.on('exit', (code, signal) => {
  process.exit(code ?? 128 + (signal ? (constants.signals[signal] ?? 0) : 1));
});
