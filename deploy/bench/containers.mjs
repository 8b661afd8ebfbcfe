// What the images cost to run, measured with podman: their size, the cold start of each target (from
// `podman run` to the API's /readyz answering 200, or to the worker's "worker started" line), and the memory of
// each container (its cgroup's, as `podman stats` reports it) at idle and at its peak under load: `count`
// uploads of a photo, `concurrency` at a time, through the API to one worker. deploy/README.md quotes it.
//
//   pnpm build && pnpm test:deploy   (builds the images), then
//   node deploy/bench/containers.mjs [count] [concurrency] [width]x[height]
//
// The containers run on the host's network against RabbitMQ and Redis on loopback (AMQP_URL / REDIS_URL,
// defaults on localhost), on their own queue and key prefix, in local auth mode bound to 127.0.0.1, and are
// removed at the end; the queue is deleted.
import { execFileSync, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { join } from 'node:path';

const root = join(import.meta.dirname, '../..');
const { createEmulatorIdToken } = await import(join(root, 'packages/auth-firebase/dist/index.js'));
const sharp = createRequire(join(root, 'packages/image-preprocess/package.json'))('sharp');
const amqplib = createRequire(join(root, 'packages/queue-amqp/package.json'))('amqplib');

const count = Number(process.argv[2] ?? 400);
const concurrency = Number(process.argv[3] ?? 16);
const [width, height] = (process.argv[4] ?? '1600x1200').split('x').map(Number);
const amqpUrl = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const env = { ...process.env, CONTAINERS_CONF: join(root, 'deploy/containers.conf') };
const IMAGES = { api: 'localhost/visionq-api:latest', worker: 'localhost/visionq-worker:latest' };
const run = randomUUID().slice(0, 8);
const names = { api: `visionq-bench-api-${run}`, worker: `visionq-bench-worker-${run}` };
const shared = {
  AMQP_URL: amqpUrl,
  REDIS_URL: redisUrl,
  AMQP_QUEUE: `visionq.bench.${run}`,
  REDIS_PREFIX: `visionq-bench-${run}:`,
};

const podman = (...args) =>
  execFileSync('podman', args, { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const envArgs = (values) => Object.entries(values).flatMap(([k, v]) => ['-e', `${k}=${v}`]);
const HARDENED = [
  '--read-only',
  '--tmpfs',
  '/tmp',
  '--cap-drop',
  'ALL',
  '--security-opt',
  'no-new-privileges',
  '--no-healthcheck',
];

async function freePort() {
  const server = createServer().listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function memoryMiB(name) {
  const [stats] = JSON.parse(podman('stats', '--no-stream', '--format', 'json', name));
  const [, value, unit] = /^([\d.]+)([kMG]?B)/.exec(stats.mem_usage.trim());
  return (Number(value) * { B: 1, kB: 1e3, MB: 1e6, GB: 1e9 }[unit]) / 2 ** 20;
}

async function until(check, timeoutMs = 120_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await sleep(50);
  }
  throw new Error('timed out');
}

const apiPort = await freePort();
const metricsPort = await freePort();
const url = `http://127.0.0.1:${apiPort}`;

async function startApi() {
  const started = performance.now();
  podman('run', '-d', '--name', names.api, '--network', 'host', ...HARDENED,
    ...envArgs({ ...shared, AUTH_MODE: 'local', HOST: '127.0.0.1', PORT: String(apiPort), RATE_LIMIT_PER_MIN: '100000' }),
    IMAGES.api); // prettier-ignore
  await until(async () => (await fetch(`${url}/readyz`)).ok);
  return (performance.now() - started) / 1000;
}

async function startWorker() {
  const started = performance.now();
  podman('run', '-d', '--name', names.worker, '--network', 'host', ...HARDENED,
    ...envArgs({ ...shared, WORKER_METRICS_HOST: '127.0.0.1', WORKER_METRICS_PORT: String(metricsPort) }),
    IMAGES.worker); // prettier-ignore
  await until(async () =>
    spawnSync('podman', ['logs', names.worker], { env, encoding: 'utf8' }).stdout.includes('worker started'),
  );
  return (performance.now() - started) / 1000;
}

const remove = () => spawnSync('podman', ['rm', '-f', '-t', '0', names.api, names.worker], { env });

try {
  const sizes = Object.fromEntries(
    Object.entries(IMAGES).map(([target, image]) => [
      target,
      Number(podman('image', 'inspect', '--format', '{{.Size}}', image)) / 2 ** 20,
    ]),
  );
  // Cold start, three times each: the first start after a build also pays for reading the layers from disk.
  const starts = { api: [], worker: [] };
  for (let i = 0; i < 3; i += 1) {
    starts.api.push(await startApi());
    starts.worker.push(await startWorker());
    if (i < 2) remove();
  }
  await sleep(5_000);
  const idle = { api: memoryMiB(names.api), worker: memoryMiB(names.worker) };

  // A phone-photo-sized JPEG: noise compresses like a detailed camera picture (a couple of MB), not like a flat fill.
  const photo = await sharp({
    create: { width, height, channels: 3, noise: { type: 'gaussian', mean: 128, sigma: 40 } },
  })
    .jpeg({ quality: 85 })
    .toBuffer();
  const peak = { ...idle };
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      peak.api = Math.max(peak.api, memoryMiB(names.api));
      peak.worker = Math.max(peak.worker, memoryMiB(names.worker));
      await sleep(200);
    }
  })();
  const started = performance.now();
  let sent = 0;
  let succeeded = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async (_, lane) => {
      const auth = `Bearer ${createEmulatorIdToken({ uid: `bench-${lane}`, projectId: 'demo-visionq' })}`;
      while (sent < count) {
        sent += 1;
        const response = await fetch(`${url}/predict?wait=30`, {
          method: 'POST',
          headers: { Authorization: auth, 'Content-Type': 'image/jpeg' },
          body: photo,
        });
        if (response.status === 200) succeeded += 1;
        await response.arrayBuffer();
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  sampling = false;
  await sampler;

  const fmt = (values) => values.map((v) => v.toFixed(1)).join(', ');
  console.log(`image size (MiB): api ${sizes.api.toFixed(0)}, worker ${sizes.worker.toFixed(0)}`);
  console.log(`cold start to ready (s): api ${fmt(starts.api)}; worker ${fmt(starts.worker)}`);
  console.log(`memory at idle (MiB): api ${idle.api.toFixed(0)}, worker ${idle.worker.toFixed(0)}`);
  console.log(
    `under load: ${succeeded}/${count} uploads of ${width}x${height} (${(photo.length / 1024).toFixed(0)} KiB) succeeded, ` +
      `${concurrency} at a time, in ${seconds.toFixed(1)} s (${(count / seconds).toFixed(1)}/s)`,
  );
  console.log(`peak memory under load (MiB): api ${peak.api.toFixed(0)}, worker ${peak.worker.toFixed(0)}`);
} finally {
  remove();
  const connection = await amqplib.connect(amqpUrl);
  const channel = await connection.createChannel();
  await channel.deleteQueue(shared.AMQP_QUEUE).catch(() => undefined);
  await connection.close();
}
