import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { freePort } from '../e2e/processes.js';
import { Cluster } from './cluster.js';
import { expectLedgerBalanced } from './ledger.js';
import { Load } from './load.js';
import { servers } from './servers.js';

describe.skipIf(servers.skip)('faults: the API SIGTERMed under load', () => {
  it('each upload in flight got its 202 and its task ended, or a clean error; nothing half-accepted', async () => {
    const cluster = Cluster.create('sigterm', servers.urls);
    try {
      const port = String(await freePort());
      const first = await cluster.startApi({ PORT: port });
      await cluster.startWorker();
      // Larger photos among them, so that uploads are in flight the moment the signal lands.
      const load = (
        await new Load({ targets: () => [first.url], users: 6, pauseMs: 0 }).calibrate(first.url)
      ).start();
      await load.answered(202, Date.now() + 1_000);

      first.process.child.kill('SIGTERM');
      const stoppedAt = Date.now();
      expect(await first.process.exited).toBe(0);
      // A successor on the same address: clients come back to it as they would behind a load balancer.
      await cluster.startApi({ PORT: port });
      await load.answered(202, Date.now());
      await sleep(1_000);
      await load.settle();

      const summary = await expectLedgerBalanced(load, cluster);
      console.info('API SIGTERM:', JSON.stringify(summary));
      // Shutdown lets requests in flight finish: whatever was refused, was refused cleanly (no 5xx).
      const failures = load.answers.filter((a) => a.status !== 202);
      expect(failures.filter((a) => a.status !== 'error')).toEqual([]);
      expect(load.acceptedSince(stoppedAt - 2_000)).toBeGreaterThan(0);
      expect(summary.orphans).toBe(0);
      expect(first.process.output()).toContain('"msg":"stopped"');
    } finally {
      await cluster.close();
    }
  });
});
