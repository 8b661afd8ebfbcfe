import { describe, expect, it } from 'vitest';
import { Cluster } from './cluster.js';
import { expectLedgerBalanced } from './ledger.js';
import { Load, type Terminal } from './load.js';
import { servers } from './servers.js';

describe.skipIf(servers.skip)('scale-out: 2 api and 3 worker processes on one RabbitMQ and one Redis', () => {
  it('a long-poll on api #1 wakes for a task any worker finished; the work spreads over every worker', async () => {
    const cluster = Cluster.create('scale', servers.urls);
    try {
      const [one, two] = [await cluster.startApi(), await cluster.startApi()];
      await Promise.all([cluster.startWorker(), cluster.startWorker(), cluster.startWorker()]);
      const load = (
        await new Load({ targets: () => [one!.url, two!.url], users: 6, pauseMs: 10 }).calibrate(one!.url)
      ).start();

      // Submitted through api #2, waited for on api #1: the completion reaches it through Redis pub/sub.
      const sample = load.samples[1]!;
      const waits = await Promise.all(
        Array.from({ length: 24 }, async () => {
          const res = await fetch(`${two!.url}/predict`, {
            method: 'POST',
            headers: { ...load.auth, 'Content-Type': 'image/jpeg' },
            body: sample.bytes,
          });
          const { task_id } = (await res.json()) as { task_id: string };
          const asked = performance.now();
          const done = await fetch(`${one!.url}/result/${task_id}?wait=30`, { headers: load.auth });
          const body = (await done.json()) as Terminal;
          load.accepted.set(task_id, { sample, at: Date.now(), via: two!.url });
          if (done.status === 200) load.terminal.set(task_id, body);
          return { task_id, status: done.status, body, heldMs: performance.now() - asked };
        }),
      );
      expect(waits.map((w) => [w.status, w.body.status])).toEqual(waits.map(() => [200, 'succeeded']));
      // Woken by the completion, not by the 30 s wait running out.
      expect(Math.max(...waits.map((w) => w.heldMs))).toBeLessThan(25_000);
      const enders = new Set(
        waits.map((w) => cluster.ended().find((e) => e.taskId === w.task_id)?.worker ?? 'unknown'),
      );

      await load.settle();
      const summary = await expectLedgerBalanced(load, cluster);
      console.info('scale-out:', JSON.stringify({ ...summary, longPollsWokenBy: [...enders] }));
      expect(Object.keys(summary.split).sort()).toEqual(['worker-1', 'worker-2', 'worker-3']);
      // No worker starves: each takes a fair part of the work (a third would be even).
      for (const count of Object.values(summary.split)) expect(count).toBeGreaterThan(summary.accepted / 10);
      expect(enders.size).toBeGreaterThan(1);
      expect(summary.orphans).toBe(0);
    } finally {
      await cluster.close();
    }
  });
});
