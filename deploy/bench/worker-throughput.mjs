// Throughput of one worker process, end to end: RabbitMQ → decode and resize (sharp) → classify (ONNX Runtime,
// the bundled model) → result in Redis → ack. docs/scaling.md is computed from its output.
//
//   pnpm build && node deploy/bench/worker-throughput.mjs [count] [width]x[height]
//
// The worker runs as in production (apps/worker/dist/main.js, INFERENCE_THREADS=1) pinned to one CPU with
// taskset. The rate is reported two ways: per wall-clock second on that CPU, and per CPU-second the worker
// process actually got (from /proc). On a machine shared with other work the second is the per-core figure;
// the first is only as good as the CPU was free. Needs RabbitMQ and Redis (AMQP_URL / REDIS_URL, defaults on
// localhost); it uses its own queue and key prefix and removes them.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { loadavg } from 'node:os';
import { join } from 'node:path';

const root = join(import.meta.dirname, '../..');
const { newQueuedRecord, TASK_MESSAGE_SCHEMA_VERSION } = await import(
  join(root, 'packages/core/dist/index.js')
);
const { createAmqpTaskQueue } = await import(join(root, 'packages/queue-amqp/dist/index.js'));
const { createRedisClient, createRedisResultStore } = await import(
  join(root, 'packages/result-store-redis/dist/index.js')
);
const sharp = createRequire(join(root, 'packages/image-preprocess/package.json'))('sharp');
const amqplib = createRequire(join(root, 'packages/queue-amqp/package.json'))('amqplib');

const count = Number(process.argv[2] ?? 300);
const [width, height] = (process.argv[3] ?? '640x480').split('x').map(Number);
const amqpUrl = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const run = randomUUID().slice(0, 8);
const queueName = `visionq.bench.${run}`;
const keyPrefix = `visionq-bench-${run}:`;
const TICKS_PER_SECOND = 100;

/** A photo-like JPEG: smooth gradients and mild noise compress like a camera picture, not like static. */
async function photo(seed) {
  const base = sharp({
    create: { width, height, channels: 3, noise: { type: 'gaussian', mean: 128, sigma: 12 + seed } },
  });
  const gradient = Buffer.from(
    `<svg width="${width}" height="${height}"><defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1">` +
      `<stop offset="0" stop-color="#${(0x203040 + seed * 0x101010).toString(16)}"/><stop offset="1" stop-color="#d0c0a0"/>` +
      `</linearGradient></defs><rect width="100%" height="100%" fill="url(#g)" opacity="0.6"/></svg>`,
  );
  return base
    .composite([{ input: gradient }])
    .jpeg({ quality: 85 })
    .toBuffer();
}

function cpuTicks(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return Number(fields[11]) + Number(fields[12]); // utime + stime, every thread of the process
}

const images = await Promise.all([0, 1, 2, 3].map(photo));
const meanBytes = images.reduce((sum, image) => sum + image.length, 0) / images.length;

const redis = createRedisClient(redisUrl);
const store = createRedisResultStore({
  client: redis,
  keyPrefix,
  resultTtlMs: 600_000,
  pendingTtlMs: 600_000,
});
const queue = await createAmqpTaskQueue({ url: amqpUrl, queue: queueName });
const ids = [];
for (let i = 0; i < count; i += 1) {
  const taskId = randomUUID();
  const image = images[i % images.length];
  await store.create(newQueuedRecord(taskId, 'bench'));
  await queue.publish({
    message: {
      taskId,
      owner: 'bench',
      contentType: 'image/jpeg',
      timestamp: Date.now(),
      schemaVersion: TASK_MESSAGE_SCHEMA_VERSION,
    },
    image,
  });
  ids.push(taskId);
}

const worker = spawn('taskset', ['-c', '1', process.execPath, join(root, 'apps/worker/dist/main.js')], {
  env: {
    ...process.env,
    AMQP_URL: amqpUrl,
    REDIS_URL: redisUrl,
    AMQP_QUEUE: queueName,
    REDIS_PREFIX: keyPrefix,
    INFERENCE_WORKERS: '1',
    INFERENCE_THREADS: '1',
    LOG_LEVEL: 'warn',
  },
  stdio: ['ignore', 'inherit', 'inherit'],
});

let done = 0;
let failed = 0;
const finished = Promise.all(
  ids.map(async (id) => {
    const record = await store.waitFor(id, 600_000);
    if (record?.status !== 'succeeded') failed += 1;
    done += 1;
  }),
);
const samples = [];
const sampler = setInterval(() => {
  try {
    // taskset execs node in its own process, so this pid is the worker's.
    samples.push({ at: performance.now(), done, ticks: cpuTicks(worker.pid) });
  } catch {
    // not started yet, or gone
  }
}, 100);
await finished;
clearInterval(sampler);
worker.kill('SIGTERM');

// The steady state: from 10 % to 90 % of the tasks (model loading and the last stragglers left out).
const from = samples.find((sample) => sample.done >= count * 0.1);
const to = samples.findLast((sample) => sample.done <= count * 0.9);
const tasks = to.done - from.done;
const wall = (to.at - from.at) / 1000;
const cpu = (to.ticks - from.ticks) / TICKS_PER_SECOND;
console.log(
  JSON.stringify({
    images: count,
    failed,
    size: `${width}x${height}`,
    meanJpegBytes: Math.round(meanBytes),
    imagesPerWallSecondOnOneCpu: +(tasks / wall).toFixed(1),
    imagesPerCpuSecond: +(tasks / cpu).toFixed(1),
    cpuMsPerImage: +((cpu / tasks) * 1000).toFixed(2),
    loadAverage1m: +loadavg()[0].toFixed(1),
  }),
);

await queue.close();
const keys = await redis.keys(`${keyPrefix}*`);
if (keys.length > 0) await redis.del(...keys);
await store.close();
redis.disconnect();
const connection = await amqplib.connect(amqpUrl);
const channel = await connection.createChannel();
for (const name of [queueName, `${queueName}.dlq`]) await channel.deleteQueue(name);
await channel.deleteExchange(`${queueName}.dlx`);
await connection.close();
