import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { alive, Cluster } from './cluster.js';
import { expectLedgerBalanced } from './ledger.js';
import { Load } from './load.js';
import { servers } from './servers.js';

/** Resolves once `worker` has ended `more` tasks beyond those it had ended when called. */
async function endsMore(cluster: Cluster, worker: string, more: number, timeoutMs = 60_000): Promise<void> {
  const count = () => cluster.ended().filter((e) => e.worker === worker).length;
  const target = count() + more;
  const deadline = Date.now() + timeoutMs;
  while (count() < target) {
    if (Date.now() > deadline) throw new Error(`${worker} ended no more tasks in ${timeoutMs} ms`);
    await sleep(20);
  }
}

describe.skipIf(servers.skip)('faults: workers killed and hung under load', () => {
  it('a worker SIGKILLed mid-batch, three times over: every accepted task still ends, once', async () => {
    const cluster = Cluster.create('kill', servers.urls);
    try {
      const api = await cluster.startApi();
      await cluster.startWorker();
      await cluster.startWorker();
      const load = (
        await new Load({ targets: () => [api.url], users: 4, pauseMs: 10 }).calibrate(api.url)
      ).start();
      for (let round = 0; round < 3; round += 1) {
        const victim = cluster.workers.filter(alive).at(-1)!;
        // Busy with the load: holding a prefetched batch that it has not acknowledged.
        await endsMore(cluster, victim.name, 3);
        victim.child.kill('SIGKILL');
        expect(await victim.exited).toBe('SIGKILL');
        await cluster.startWorker();
      }
      await load.settle();
      const summary = await expectLedgerBalanced(load, cluster);
      console.info('worker SIGKILL ×3:', JSON.stringify(summary));
      // What the victims held really was redelivered, and finished elsewhere.
      expect(summary.redelivered).toBeGreaterThan(0);
    } finally {
      await cluster.close();
    }
  });

  it('a hung worker (SIGSTOP): the other keeps serving; after SIGCONT it finishes what it held; killed while hung, its tasks move', async () => {
    const cluster = Cluster.create('hang', servers.urls);
    try {
      const api = await cluster.startApi();
      await cluster.startWorker();
      const hung = await cluster.startWorker();
      const load = (
        await new Load({ targets: () => [api.url], users: 4, pauseMs: 10 }).calibrate(api.url)
      ).start();
      await endsMore(cluster, hung.name, 3);

      hung.child.kill('SIGSTOP');
      const stoppedAt = Date.now();
      await endsMore(cluster, 'worker-1', 20);
      // Tasks accepted while it hangs still end: the healthy worker takes them.
      expect(load.acceptedSince(stoppedAt)).toBeGreaterThan(0);
      hung.child.kill('SIGCONT');
      await endsMore(cluster, hung.name, 1);

      hung.child.kill('SIGSTOP');
      await endsMore(cluster, 'worker-1', 10);
      hung.child.kill('SIGKILL');
      expect(await hung.exited).toBe('SIGKILL');
      await load.settle();
      const summary = await expectLedgerBalanced(load, cluster);
      console.info('worker SIGSTOP/SIGCONT/SIGKILL:', JSON.stringify(summary));
    } finally {
      await cluster.close();
    }
  });
});
