import { UnavailableError } from '@visionq/core';
import { eventually, numberedImage, taskMessage, taskQueueContract } from '@visionq/core/testing';
import { describe, expect, it } from 'vitest';
import { probeCluster } from '@visionq/test-support/cluster';
import { createAmqpTaskQueue } from '../src/index.js';
import { amqpHarness } from './harness.js';

// A three-node RabbitMQ cluster on separate test hosts (scripts/cluster.sh), reached from this process over
// the hosts' bridge. The harness's own admin connection goes to the first node.

const world = await probeCluster();
// Policies (the queue's length limit) are set on the cluster, not on this machine's own broker.
const clusterCtl = async (args: string[]) => void (await world.sh('ctl', ...args));

describe.skipIf(!world.available)('AmqpTaskQueue on a three-node cluster, given every node', () => {
  taskQueueContract(it, (options) =>
    amqpHarness(world.amqpUrls[0] as string, { url: world.amqpUrls }, options, clusterCtl),
  );
});

describe.skipIf(!world.available)('AmqpTaskQueue over TLS (amqps:, a CA made by cluster.sh up)', () => {
  taskQueueContract(it, (options) =>
    amqpHarness(
      world.amqpUrls[0] as string,
      { url: world.amqpsUrl, socketOptions: { ca: [world.ca()] } },
      options,
      clusterCtl,
    ),
  );

  it('refuses a server whose certificate it cannot verify', async () => {
    const attempt = createAmqpTaskQueue({ url: world.amqpsUrl, connectTimeoutMs: 3000 });
    await expect(attempt).rejects.toBeInstanceOf(UnavailableError);
    await expect(attempt).rejects.toThrow(/certificate/);
  });
});

describe.skipIf(!world.available)('AmqpTaskQueue when the node leading the quorum queue dies', () => {
  it('keeps publishing with confirms and consuming; every confirmed task is consumed, from clients that were connected to it', async () => {
    const h = await amqpHarness(world.amqpUrls[1] as string, {
      url: world.amqpUrls,
      timeoutMs: 5000,
      heartbeatSeconds: 2,
    });
    let killed: string | undefined;
    try {
      // The harness declared the queue on the second node, which leads it; both clients start there too.
      const [one, two, three] = world.amqpUrls as [string, string, string];
      const producer = await h.connect({ url: [two, three, one] });
      const consumer = await h.connect({ url: [two, one, three] });
      const seen = new Map<string, number>();
      await consumer.consume(
        async (task) => void seen.set(task.message.taskId, (seen.get(task.message.taskId) ?? 0) + 1),
        {
          prefetch: 8,
        },
      );
      const confirmed: string[] = [];
      const refused: string[] = [];
      let stop = false;
      const publishing = (async () => {
        for (let n = 0; !stop; n += 1) {
          const message = taskMessage();
          // A refused publish fails fast while no node is reachable: back off as a client would, rather than
          // spin (and fill memory) until the failover is done.
          await producer.publish({ message, image: numberedImage(n) }).then(
            () => confirmed.push(message.taskId),
            async () => {
              refused.push(message.taskId);
              await new Promise((resolve) => setTimeout(resolve, 20));
            },
          );
        }
      })();
      await eventually(() => confirmed.length >= 50, 20_000, '50 confirmed publishes');
      killed = await world.sh('leader', h.topology.queue);
      expect(killed).toBe('mq2');
      await world.sh('kill', killed);
      const atKill = confirmed.length;
      await eventually(() => confirmed.length >= atKill + 100, 60_000, '100 more confirmed after the kill');
      const leader = await world.sh('leader', h.topology.queue);
      expect(leader).not.toBe(killed);
      stop = true;
      await publishing;
      await eventually(() => confirmed.every((id) => seen.has(id)), 60_000, 'every confirmed task consumed');
      console.info(
        `leader ${killed} killed: ${confirmed.length} confirmed, ${refused.length} refused, new leader ${leader}`,
      );
    } finally {
      if (killed) await world.sh('start', killed);
      await h.cleanup();
    }
  });
});
