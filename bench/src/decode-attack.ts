// The decode-bomb attack on one worker, measured (a script, not a test; Linux, RabbitMQ and Redis running):
//   node --conditions=@visionq/source --import tsx bench/src/decode-attack.ts [root] [side] [seconds] [burst]
// starts the worker of the checkout at `root` (default: this one) from source with its defaults, on a queue and
// key prefix of its own. Bob sends a phone photo every 250 ms throughout; after a quiet phase, Mallory sends
// `burst` (default 4) lossless AVIFs of side × side (default 6300: 39.7 megapixels in 8 KB) at once, every 2 s.
// Each message says what its image costs to decode (`decodeUnits`), as the API's would. Reports Bob's latency
// (publish to stored result) in each phase, the worker's peak RSS, and how Mallory's tasks ended.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { TASK_MESSAGE_SCHEMA_VERSION, newQueuedRecord, type ImageType } from '@visionq/core';
import { inspect } from '../../packages/image-preprocess/src/index.js';
import { createAmqpTaskQueue } from '../../packages/queue-amqp/src/index.js';
import { createRedisClient, createRedisResultStore } from '../../packages/result-store-redis/src/index.js';
import sharp from 'sharp';
import { percentile } from './stats.js';
import { removeQueueTopology } from '@visionq/test-support/amqp';

const here = resolve(import.meta.dirname, '../..');
const root = resolve(process.argv[2] ?? here);
const side = Number(process.argv[3] ?? 6300);
const seconds = Number(process.argv[4] ?? 20);
const burst = Number(process.argv[5] ?? 4);
const amqpUrl = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const run = `attack-${process.pid}`;
const env = {
  ...process.env,
  AMQP_URL: amqpUrl,
  REDIS_URL: redisUrl,
  AMQP_QUEUE: `visionq.${run}`,
  REDIS_PREFIX: `visionq:${run}:`,
  WORKER_METRICS_PORT: '0',
  LOG_LEVEL: 'info',
};

const photo = readFileSync(join(here, 'models/traffic-signs/samples/phone/stop.jpg'));
const bomb = await sharp({ create: { width: side, height: side, channels: 3, background: '#345678' } })
  .avif({ lossless: true, effort: 0 })
  .toBuffer();

// The worker from source, with the tsx of image-preprocess (every checkout has it there).
const worker = spawn(
  process.execPath,
  ['--conditions=@visionq/source', '--import', 'tsx', join(root, 'apps/worker/src/main.ts')],
  { cwd: join(root, 'packages/image-preprocess'), env, stdio: ['ignore', 'pipe', 'inherit'] },
);
let output = '';
worker.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
worker.on('exit', (code, signal) => {
  console.error(`worker exited (${code ?? signal}) after: ${output.slice(-2000)}`);
  process.exit(1);
});
while (!output.includes('worker started')) {
  if (worker.exitCode !== null) throw new Error(`worker exited: ${output}`);
  await sleep(100);
}
const rss = () =>
  Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${worker.pid}/status`, 'utf8'))?.[1]) / 1024;

const producer = await createAmqpTaskQueue({ url: amqpUrl, queue: env.AMQP_QUEUE });
const client = createRedisClient(redisUrl, { enableOfflineQueue: true });
const store = createRedisResultStore({ client, keyPrefix: env.REDIS_PREFIX });

/** As the API counts it, once per image; none for one over its pixel limits, which the API would have refused. */
const decodeUnits = (image: Uint8Array) =>
  inspect(image).then(
    (info) => info.decodeUnits,
    () => undefined,
  );
const units = new Map<Uint8Array, number | undefined>([
  [photo, await decodeUnits(photo)],
  [bomb, await decodeUnits(bomb)],
]);

async function submit(owner: string, image: Uint8Array, contentType: ImageType) {
  const record = newQueuedRecord(randomUUID(), owner);
  await store.create(record);
  const started = performance.now();
  await producer.publish({
    message: {
      taskId: record.task_id,
      owner,
      contentType,
      timestamp: Date.now(),
      decodeUnits: units.get(image),
      schemaVersion: TASK_MESSAGE_SCHEMA_VERSION,
    },
    image,
  });
  const ended = await store.waitFor(record.task_id, 600_000);
  return {
    ms: performance.now() - started,
    status: ended?.status,
    code: ended?.status === 'failed' ? ended.error.code : undefined,
  };
}

/** Bob's photos every 250 ms for `s` seconds; resolves with their latencies. */
async function bob(s: number): Promise<number[]> {
  const runs: Promise<{ ms: number }>[] = [];
  for (let t = 0; t < s * 4; t++) {
    runs.push(submit('bob', photo, 'image/jpeg'));
    await sleep(250);
  }
  return (await Promise.all(runs)).map((r) => r.ms);
}

const line = (phase: string, ms: number[], peak: number) =>
  console.log(
    `| ${phase} | ${ms.length} | ${percentile(ms, 50).toFixed(0)} | ${percentile(ms, 99).toFixed(0)} | ${peak.toFixed(0)} |`,
  );

try {
  await bob(2); // warm-up
  let peak = rss();
  const sampler = setInterval(() => (peak = Math.max(peak, rss())), 20);
  const idle = rss();
  const quiet = await bob(seconds / 2);
  const quietPeak = peak;
  peak = rss();
  const mallory: Promise<{ ms: number; status?: string; code?: string }>[] = [];
  const attack = (async () => {
    for (let t = 0; t < seconds / 2; t++) {
      for (let i = 0; i < burst; i++) mallory.push(submit('mallory', bomb, 'image/avif'));
      await sleep(2_000);
    }
  })();
  const attacked = await bob(seconds);
  await attack;
  const outcomes = await Promise.all(mallory);
  clearInterval(sampler);
  console.log(
    `root ${root}; AVIF ${side}×${side}, ${bomb.length} bytes; worker RSS at rest ${idle.toFixed(0)} MiB`,
  );
  console.log('| phase | Bob photos | p50 ms | p99 ms | worker peak RSS MiB |');
  console.log('| --- | ---: | ---: | ---: | ---: |');
  line('quiet', quiet, quietPeak);
  line(`${burst} AVIF${burst === 1 ? '' : 's'} at once every 2 s`, attacked, peak);
  const ends = new Map<string, number>();
  for (const o of outcomes)
    ends.set(`${o.status} ${o.code ?? ''}`, (ends.get(`${o.status} ${o.code ?? ''}`) ?? 0) + 1);
  console.log(
    `Mallory: ${[...ends].map(([k, n]) => `${n} ${k.trim()}`).join(', ')}; slowest ${Math.max(...outcomes.map((o) => o.ms)).toFixed(0)} ms`,
  );
} finally {
  worker.removeAllListeners('exit');
  worker.kill('SIGTERM');
  await producer.close();
  const keys = await client.keys(`${env.REDIS_PREFIX}*`);
  if (keys.length > 0) await client.del(...keys);
  client.disconnect();
  await removeQueueTopology(amqpUrl, env.AMQP_QUEUE);
}
