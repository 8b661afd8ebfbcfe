// Throughput of the task lifecycle and wake-up latency of waiters, against a real Redis.
//   pnpm --filter @visionq/result-store-redis build && node packages/result-store-redis/bench/store.mjs
// REDIS_URL (default redis://127.0.0.1:6379); TASKS (default 5000); CONCURRENCY (default 64); WAITERS (1000).
import { randomUUID } from 'node:crypto';
import { newQueuedRecord } from '@visionq/core';
import { createRedisClient, createRedisResultStore } from '../dist/index.js';

const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const tasks = Number(process.env.TASKS ?? 5_000);
const concurrency = Number(process.env.CONCURRENCY ?? 64);
const waiters = Number(process.env.WAITERS ?? 1_000);
const keyPrefix = `visionq-bench:${randomUUID()}:`;
const outcome = (label) => ({
  status: 'succeeded',
  result: { label, confidence: 0.9, top_k: [{ label, confidence: 0.9 }] },
  model: { name: 'bench', version: '1' },
});

const apiClient = createRedisClient(url);
const workerClient = createRedisClient(url);
const api = createRedisResultStore({ client: apiClient, keyPrefix });
const worker = createRedisResultStore({ client: workerClient, keyPrefix });

const percentile = (values, p) =>
  values.sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(values.length * p))];
const ms = (n) => `${n.toFixed(2)} ms`;

// 1. create → markProcessing → complete, `concurrency` tasks in flight.
{
  const latencies = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < tasks) {
        next++;
        const t0 = performance.now();
        const record = newQueuedRecord(randomUUID(), 'bench');
        await api.create(record, { idempotency: { key: record.task_id, fingerprint: 'f' } });
        await worker.markProcessing(record.task_id);
        await worker.complete(record.task_id, record.owner, outcome('x'));
        latencies.push(performance.now() - t0);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  console.log(
    `lifecycle: ${tasks} tasks in ${seconds.toFixed(2)} s = ${Math.round(tasks / seconds)} tasks/s ` +
      `(3 writes each, ${concurrency} in flight); per task p50 ${ms(percentile(latencies, 0.5))}, ` +
      `p99 ${ms(percentile(latencies, 0.99))}`,
  );
}

// 2. `waiters` concurrent waitFor on one store, completed by another: delay from complete() to wake.
{
  const records = Array.from({ length: waiters }, () => newQueuedRecord(randomUUID(), 'bench'));
  await Promise.all(records.map((record) => api.create(record)));
  const woke = new Map();
  const waits = records.map((record) =>
    api.waitFor(record.task_id, 30_000).then(() => woke.set(record.task_id, performance.now())),
  );
  while (api.waitingTasks < waiters) await new Promise((resolve) => setTimeout(resolve, 10));
  await new Promise((resolve) => setTimeout(resolve, 200)); // let the subscriptions settle
  const completed = new Map();
  const started = performance.now();
  await Promise.all(
    records.map((record) =>
      worker
        .complete(record.task_id, record.owner, outcome('y'))
        .then(() => completed.set(record.task_id, performance.now())),
    ),
  );
  await Promise.all(waits);
  const delays = records.map((r) => Math.max(0, woke.get(r.task_id) - completed.get(r.task_id)));
  console.log(
    `waiters: ${waiters} woken within ${ms(performance.now() - started)} of the first complete(); ` +
      `complete() → wake p50 ${ms(percentile(delays, 0.5))}, p99 ${ms(percentile(delays, 0.99))}`,
  );
}

await Promise.all([api.close(), worker.close()]);
let cursor = '0';
do {
  const [nextCursor, keys] = await apiClient.scan(cursor, 'MATCH', `${keyPrefix}*`, 'COUNT', 1000);
  if (keys.length > 0) await apiClient.del(...keys);
  cursor = nextCursor;
} while (cursor !== '0');
await Promise.all([apiClient.quit(), workerClient.quit()]);
