// Stalled uploads against one API process (a script, not a test; Linux):
//   node --conditions=@visionq/source --import tsx bench/src/upload-flood.ts [root] [uploads] [node options…]
// starts the all-in-one of the checkout at `root` (default: this one) from source, embedded (local auth,
// in-memory queue), then opens `uploads` (default 200) connections from as many users, each declaring a 9 MB
// raw image and sending 8 MB of it, then nothing. Reports how each was answered, the API's RSS at rest, at its
// peak, and 10 s after the connections were dropped. Extra arguments go to node (`--max-semi-space-size=2`).
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createEmulatorIdToken } from '@visionq/auth-firebase';

const root = resolve(process.argv[2] ?? join(import.meta.dirname, '../..'));
const count = Number(process.argv[3] ?? 200);
const nodeOptions = process.argv.slice(4);
const DECLARED = 9 * 2 ** 20;
const SENT = 8 * 2 ** 20;

const free = await new Promise<number>((done) => {
  const probe = createServer().listen(0, '127.0.0.1', () => {
    const { port } = probe.address() as AddressInfo;
    probe.close(() => done(port));
  });
});
// The all-in-one's entry moved with the apps split.
const entry = ['apps/all-in-one/src/main.ts', 'apps/api/src/all-in-one.ts']
  .map((path) => join(root, path))
  .find((path) => existsSync(path)) as string;
const api = spawn(
  process.execPath,
  [...nodeOptions, '--conditions=@visionq/source', '--import', 'tsx', entry],
  {
    cwd: join(root, 'packages/image-preprocess'),
    env: {
      ...process.env,
      PORT: String(free),
      API_METRICS_PORT: '0',
      RATE_LIMIT_PER_MIN: '0',
      LOG_LEVEL: 'warn',
      TRY_PAGE: 'false',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  },
);
const rss = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${api.pid}/status`, 'utf8'))?.[1]) / 1024;
for (;;) {
  const up = await fetch(`http://127.0.0.1:${free}/healthz`).then(
    (r) => r.ok,
    () => false,
  );
  if (up) break;
  if (api.exitCode !== null) throw new Error('the API exited');
  await sleep(200);
}
await sleep(2_000);
const atRest = rss();
let peak = atRest;
const sampler = setInterval(() => (peak = Math.max(peak, rss())), 20);
const statuses = new Map<string, number>();
const sockets: Socket[] = [];
const chunk = Buffer.alloc(64 * 1024, 0x5a);
const started = performance.now();
await Promise.all(
  Array.from({ length: count }, async (_, i) => {
    const token = createEmulatorIdToken({ uid: `flood-${i}`, projectId: 'demo-visionq' });
    const socket = connect(free, '127.0.0.1');
    sockets.push(socket);
    socket.on('error', () => undefined);
    let answered = false;
    socket.on('data', (data: Buffer) => {
      if (answered) return;
      answered = true;
      const line = data.toString('latin1').split('\r\n')[0] ?? '';
      const retryAfter = /\r\nRetry-After: (\d+)/i.exec(data.toString('latin1'))?.[1];
      const key = `${line.slice(9, 12)}${retryAfter ? ` (Retry-After ${retryAfter})` : ''}`;
      statuses.set(key, (statuses.get(key) ?? 0) + 1);
    });
    socket.write(
      `POST /predict HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\n` +
        `Content-Type: image/jpeg\r\nContent-Length: ${DECLARED}\r\n\r\n`,
    );
    for (let sent = 0; sent < SENT && !answered && !socket.destroyed; sent += chunk.length)
      if (!socket.write(chunk))
        await new Promise((done) => {
          socket.once('drain', done);
          socket.once('close', done);
        });
  }),
);
const sentIn = performance.now() - started;
await sleep(5_000);
const stalledPeak = peak;
for (const socket of sockets) socket.destroy();
await sleep(10_000);
clearInterval(sampler);
const after = rss();
api.kill('SIGTERM');
console.log(
  `root ${root}; ${count} uploads of 9 MB from ${count} users, 8 MB sent each (in ${(sentIn / 1000).toFixed(1)} s); node ${nodeOptions.join(' ') || '(defaults)'}`,
);
console.log(
  `answered: ${[...statuses].map(([k, n]) => `${n}× ${k}`).join(', ') || 'none'}; no answer (stalled): ${count - [...statuses.values()].reduce((a, b) => a + b, 0)}`,
);
console.log(
  `RSS MiB: at rest ${atRest.toFixed(0)}, peak ${stalledPeak.toFixed(0)}, 10 s after ${after.toFixed(0)}`,
);
