import { execFile } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { repoPath } from '@visionq/service-kit';
import { startProcess, waitForOutput, type ServiceProcess } from '../e2e/processes.js';
import { tokenFor } from '../e2e/http-suite.js';
import { alive, Cluster, outputs } from './cluster.js';
import { readRecords } from './infra.js';
import { samples } from './load.js';
import { servers } from './servers.js';

// Every task ends, whatever its worker does: killed by one image every time it tries it, or stalled (SIGSTOP)
// past the task deadline. These cases stop no server: they run against any RabbitMQ and Redis.

const KILL_MARKER = 0xee;
const KILLABLE = repoPath('apps/worker/test/support/killable-worker.mjs');
const auth = { Authorization: `Bearer ${tokenFor('faults-task-ends')}` };

async function submit(api: string, bytes: Uint8Array): Promise<string> {
  const form = new FormData();
  form.append('image', new Blob([bytes], { type: 'image/jpeg' }), 'photo.jpg');
  const response = await fetch(`${api}/predict`, { method: 'POST', headers: auth, body: form });
  expect(response.status).toBe(202);
  return ((await response.json()) as { task_id: string }).task_id;
}

async function result(api: string, taskId: string, wait = 0) {
  const response = await fetch(`${api}/result/${taskId}?wait=${wait}`, { headers: auth });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** The broker's own ceiling, as an operator sets it: a policy (a quorum queue refuses once over max-length). */
async function queueLimit(queue: string, maxQueued: number | undefined): Promise<void> {
  const args =
    maxQueued === undefined
      ? ['clear_policy', queue]
      : [
          'set_policy',
          '--apply-to',
          'queues',
          queue,
          `^${queue.replace(/\./g, '\\.')}$`,
          JSON.stringify({ 'max-length': maxQueued - 1 }),
        ];
  await promisify(execFile)('rabbitmqctl', ['-q', ...args], { timeout: 30_000 });
}

function startKillable(cluster: Cluster, n: number): ServiceProcess {
  const worker = startProcess(`killable-${n}`, KILLABLE, { ...cluster.env });
  cluster.workers.push({ ...worker, metricsUrl: '' });
  return worker;
}

describe.skipIf(servers.skip)('faults: every task ends', () => {
  it('an image that SIGKILLs every worker that tries it ends processing_failed; its batch-mates succeed', async () => {
    const cluster = Cluster.create('killer', servers.urls, {
      WORKER_PREFETCH: '16',
      WORKER_MAX_BATCH: '8',
      TASK_DEADLINE: '300',
    });
    try {
      const api = await cluster.startApi();
      const photo = samples()[0]!.bytes;
      const image = (last: number) => Uint8Array.from([...photo, last]);
      // Sixteen tasks, the poison in the middle, all in the first worker's hands at once.
      const ids: string[] = [];
      for (let n = 0; n < 16; n += 1) ids.push(await submit(api.url, image(n === 7 ? KILL_MARKER : n)));
      const poison = ids[7]!;
      const others = ids.filter((id) => id !== poison);

      // Each worker that dies is replaced, as a supervisor would; the broker returns what it held.
      let kills = 0;
      let lastDeliveryAt = Date.now();
      const deadline = Date.now() + 120_000;
      let worker = startKillable(cluster, 1);
      await waitForOutput(worker, 'worker started', 30_000);
      for (;;) {
        const records = await readRecords(cluster.urls.redis, cluster.prefix);
        if (records.get(poison)?.status === 'failed') break;
        if (Date.now() > deadline) throw new Error(`the poison did not end\n${outputs(cluster)}`);
        if (!alive(worker)) {
          kills += 1;
          lastDeliveryAt = Date.now();
          worker = startKillable(cluster, kills + 1);
          await waitForOutput(worker, 'worker started', 30_000);
        }
        await sleep(100);
      }
      const endedAfter = Date.now() - lastDeliveryAt;
      const answer = await result(api.url, poison);
      expect(answer).toMatchObject({
        status: 200,
        body: { status: 'failed', error: { code: 'processing_failed' } },
      });
      // The delivery limit (5 redeliveries): six deliveries, each one a kill.
      expect(kills).toBe(6);
      // Within seconds of its last delivery (measured from the worker's death, the upper bound).
      expect(endedAfter).toBeLessThan(10_000);
      const ends = await Promise.all(others.map(async (id) => (await result(api.url, id, 10)).body));
      expect(
        ends.filter((body) => body.status !== 'succeeded'),
        cluster.workers.map((w) => `--- ${w.name}\n${w.output()}`).join('\n'),
      ).toEqual([]);
      console.info('killer:', JSON.stringify({ kills, ended_after_ms: endedAfter }));
    } finally {
      await cluster.close();
    }
  });

  it('a stalled worker (SIGSTOP): the long-poll answers deadline_exceeded at the deadline, and the result after SIGCONT does not replace it', async () => {
    const deadlineS = 6;
    const cluster = Cluster.create('stalled', servers.urls, { TASK_DEADLINE: String(deadlineS) });
    try {
      const api = await cluster.startApi();
      const worker = startKillable(cluster, 1);
      await waitForOutput(worker, 'worker started', 30_000);
      worker.child.kill('SIGSTOP');
      const acceptedAt = Date.now();
      const taskId = await submit(api.url, samples()[0]!.bytes);
      const answer = await result(api.url, taskId, 30);
      const answeredAfter = Date.now() - acceptedAt;
      expect(answer).toMatchObject({
        status: 200,
        body: { status: 'failed', error: { code: 'deadline_exceeded' } },
      });
      // At the deadline, not at the end of the 30 s wait.
      expect(answeredAfter).toBeGreaterThanOrEqual(deadlineS * 1000 - 500);
      expect(answeredAfter).toBeLessThan(25_000);

      worker.child.kill('SIGCONT');
      // The worker takes the task up and acknowledges it, classified or not; its result is dropped.
      for (let i = 0; i < 100 && (await cluster.broker.depth(cluster.queue)) > 0; i += 1) await sleep(100);
      await sleep(2_000);
      expect(await result(api.url, taskId)).toEqual(answer);
      expect(alive(worker)).toBe(true);
    } finally {
      await cluster.close();
    }
  });

  it('MAX_QUEUED_TASKS=50 with no worker: exactly 50 uploads 202, the rest 503 + Retry-After; a worker then ends all 50, none lost, none extra', async () => {
    const cluster = Cluster.create('ceiling', servers.urls, { MAX_QUEUED_TASKS: '50' });
    await queueLimit(cluster.queue, 50);
    try {
      const api = await cluster.startApi();
      const photo = samples()[0]!.bytes;
      const answers = await Promise.all(
        Array.from({ length: 80 }, async () => {
          const form = new FormData();
          form.append('image', new Blob([photo], { type: 'image/jpeg' }), 'photo.jpg');
          const response = await fetch(`${api.url}/predict`, { method: 'POST', headers: auth, body: form });
          return {
            status: response.status,
            retryAfter: response.headers.get('retry-after'),
            body: (await response.json()) as { task_id?: string; error?: { code: string } },
          };
        }),
      );
      const accepted = answers.filter((a) => a.status === 202);
      const refused = answers.filter((a) => a.status === 503);
      expect(accepted).toHaveLength(50);
      expect(refused).toHaveLength(30);
      for (const answer of refused) {
        expect(answer.body.error?.code).toBe('queue_full');
        expect(Number(answer.retryAfter)).toBeGreaterThan(0);
      }
      // Count messages and records: one each per 202, nothing for a 503.
      expect(await cluster.broker.depth(cluster.queue)).toBe(50);
      const ids = new Set(accepted.map((a) => a.body.task_id as string));
      const records = await readRecords(cluster.urls.redis, cluster.prefix);
      expect(new Set(records.keys())).toEqual(ids);
      expect((await fetch(`${api.url}/readyz`)).status).toBe(200);

      await cluster.startWorker();
      const ended = await Promise.all([...ids].map((id) => result(api.url, id, 30)));
      expect(ended.map((answer) => answer.body.status)).toEqual([...ids].map(() => 'succeeded'));
      expect(await cluster.broker.depth(cluster.queue)).toBe(0);
      expect((await readRecords(cluster.urls.redis, cluster.prefix)).size).toBe(50);
    } finally {
      await cluster.close();
      await queueLimit(cluster.queue, undefined).catch(() => undefined);
    }
  });
});
