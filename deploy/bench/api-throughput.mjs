// CPU cost of one upload in the API process: POST /predict (token check, multipart parse, header sniffing,
// record in Redis, publish with confirm to RabbitMQ, 202). docs/scaling.md is computed from its output.
//
//   pnpm build && node deploy/bench/api-throughput.mjs [count] [width]x[height] [concurrency]
//
// The production API (apps/api/dist/main.js, local auth on loopback, no rate limit) runs pinned to one CPU; the
// uploads come from this process. Reported per CPU-second the API process got (from /proc), which is the
// per-core figure on a shared machine, and per wall-clock second. Uses its own queue and key prefix and
// removes them. Needs RabbitMQ and Redis (AMQP_URL / REDIS_URL, defaults on localhost).
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { loadavg } from 'node:os';
import { join } from 'node:path';

const root = join(import.meta.dirname, '../..');
const { createEmulatorIdToken } = await import(join(root, 'packages/auth-firebase/dist/index.js'));
const sharp = createRequire(join(root, 'packages/image-preprocess/package.json'))('sharp');
const amqplib = createRequire(join(root, 'packages/queue-amqp/package.json'))('amqplib');
const Redis = createRequire(join(root, 'packages/result-store-redis/package.json'))('ioredis');

const count = Number(process.argv[2] ?? 400);
const [width, height] = (process.argv[3] ?? '1600x1200').split('x').map(Number);
const concurrency = Number(process.argv[4] ?? 16);
const amqpUrl = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const run = randomUUID().slice(0, 8);
const queueName = `visionq.bench.${run}`;
const keyPrefix = `visionq-bench-${run}:`;

const port = await new Promise((resolve) => {
  const server = createServer().listen(0, '127.0.0.1', () => {
    const { port: free } = server.address();
    server.close(() => resolve(free));
  });
});
const image = await sharp({
  create: { width, height, channels: 3, noise: { type: 'gaussian', mean: 128, sigma: 14 } },
})
  .blur(1.2)
  .jpeg({ quality: 85 })
  .toBuffer();

const api = spawn('taskset', ['-c', '0', process.execPath, join(root, 'apps/api/dist/main.js')], {
  env: {
    ...process.env,
    HOST: '127.0.0.1',
    PORT: String(port),
    AUTH_MODE: 'local',
    AMQP_URL: amqpUrl,
    REDIS_URL: redisUrl,
    AMQP_QUEUE: queueName,
    REDIS_PREFIX: keyPrefix,
    RATE_LIMIT_PER_MIN: '0',
    LOG_LEVEL: 'warn',
  },
  stdio: ['ignore', 'inherit', 'inherit'],
});
const base = `http://127.0.0.1:${port}`;
for (let i = 0; ; i += 1) {
  if ((await fetch(`${base}/readyz`).catch(() => undefined))?.ok) break;
  if (i > 300) throw new Error('the API did not become ready');
  await new Promise((resolve) => setTimeout(resolve, 100));
}
const token = createEmulatorIdToken({ uid: 'bench', projectId: 'demo-visionq' });
const cpuTicks = () => {
  const fields = readFileSync(`/proc/${api.pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return Number(fields[11]) + Number(fields[12]);
};

async function upload() {
  const body = new FormData();
  body.append('image', new Blob([image], { type: 'image/jpeg' }), 'photo.jpg');
  const res = await fetch(`${base}/predict`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}` },
    body,
  });
  await res.arrayBuffer();
  if (res.status !== 202) throw new Error(`upload answered ${res.status}`);
}

// Warm up (JIT, connections), then measure.
for (let i = 0; i < 20; i += 1) await upload();
const startTicks = cpuTicks();
const started = performance.now();
let next = 0;
await Promise.all(
  Array.from({ length: concurrency }, async () => {
    while (next < count) {
      next += 1;
      await upload();
    }
  }),
);
const wall = (performance.now() - started) / 1000;
const cpu = (cpuTicks() - startTicks) / 100;
api.kill('SIGTERM');
console.log(
  JSON.stringify({
    uploads: count,
    size: `${width}x${height}`,
    jpegBytes: image.length,
    concurrency,
    uploadsPerWallSecondOnOneCpu: +(count / wall).toFixed(1),
    uploadsPerCpuSecond: +(count / cpu).toFixed(1),
    cpuMsPerUpload: +((cpu / count) * 1000).toFixed(2),
    loadAverage1m: +loadavg()[0].toFixed(1),
  }),
);

const redis = new Redis(redisUrl);
const keys = await redis.keys(`${keyPrefix}*`);
if (keys.length > 0) await redis.del(...keys);
redis.disconnect();
const connection = await amqplib.connect(amqpUrl);
const channel = await connection.createChannel();
for (const name of [queueName, `${queueName}.dlq`]) await channel.deleteQueue(name);
await channel.deleteExchange(`${queueName}.dlx`);
await connection.close();
