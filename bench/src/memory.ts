import { setTimeout as sleep } from 'node:timers/promises';
import { createEmulatorIdToken } from '@visionq/auth-firebase';
import { connect } from 'amqplib';
import { photo } from './images.js';
import { rssMiB, startProduction } from './service.js';
import { fmt, table } from './stats.js';
import { drive } from './users.js';

export interface MemoryOptions {
  brokers: { amqp: string; redis: string };
  minutes: number;
  users: number;
  burst: number;
}

/**
 * Production mode under a sustained load of phone-size photos: RSS of the api and the worker, sampled every
 * 10 s. Then the worker stops and `burst` uploads arrive: RabbitMQ holds them, the API's memory stays put.
 */
export async function memory(options: MemoryOptions): Promise<string> {
  const phones = await Promise.all([0, 1, 2].map((seed) => photo(4032, 3024, seed)));
  console.error(`memory: starting the production stack, then ${options.minutes} min of load`);
  const service = await startProduction(options.brokers);
  const lines: string[] = [];
  try {
    const samples: (string | number)[][] = [];
    const sample = (label: string) =>
      samples.push([label, fmt(rssMiB(service.api), 0), fmt(rssMiB(service.workers[0]!), 0)]);
    sample('idle, after start');
    const seconds = options.minutes * 60;
    let rate = 0;
    const load = drive({
      url: service.url,
      users: options.users,
      seconds,
      warmupSeconds: 0,
      images: phones,
    }).then((result) => (rate = result.imagesPerSecond));
    for (let t = 10; t <= seconds; t += 10) {
      await sleep(10_000);
      if (t === 30 || t % 60 === 0 || t === seconds) sample(`${t} s into the load`);
      // The table is printed at the end; a line every 10 s says the run is alive and how memory moves.
      console.error(
        `memory: ${t}/${seconds} s of load, api ${fmt(rssMiB(service.api), 0)} MiB, worker ${fmt(rssMiB(service.workers[0]!), 0)} MiB`,
      );
    }
    await load;
    lines.push(
      `sustained load: ${options.users} users sending 4032×3024 JPEGs for ${options.minutes} min, ${fmt(rate)} images/s`,
      '',
      table(['when', 'api RSS MiB', 'worker RSS MiB'], samples),
      '',
    );

    console.error(
      `memory: load done (${fmt(rate)} images/s); worker stopped, burst of ${options.burst} uploads`,
    );
    await service.workers[0]!.kill('SIGTERM');
    const small = await photo(640, 480, 3);
    const before = rssMiB(service.api);
    let peak = before;
    const token = createEmulatorIdToken({ uid: `bench-burst-${process.pid}`, projectId: 'demo-visionq' });
    let sent = 0;
    let accepted = 0;
    const watch = setInterval(() => (peak = Math.max(peak, rssMiB(service.api))), 100);
    const started = performance.now();
    await Promise.all(
      Array.from({ length: 32 }, async () => {
        while (sent < options.burst) {
          sent += 1;
          const res = await fetch(`${service.url}/predict`, {
            method: 'POST',
            headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'image/jpeg' },
            body: small,
          });
          await res.arrayBuffer();
          if (res.status === 202) accepted += 1;
          if (sent % 500 === 0) console.error(`memory: burst ${sent}/${options.burst} sent`);
        }
      }),
    );
    const elapsed = (performance.now() - started) / 1000;
    clearInterval(watch);
    await sleep(2_000);
    const after = rssMiB(service.api);
    const connection = await connect(options.brokers.amqp);
    const channel = await connection.createChannel();
    // The queue goes with the service, when it stops.
    const depth = (await channel.checkQueue(service.queue!)).messageCount;
    await connection.close();
    lines.push(
      `burst with no worker running: ${options.burst} uploads of a ${fmt(small.length / 1024, 0)} KiB 640×480 JPEG, 32 at a time, ${fmt(elapsed)} s; ${accepted} accepted (202)`,
      '',
      table(
        [
          'api RSS before MiB',
          'api RSS peak MiB',
          'api RSS after MiB',
          'messages on the RabbitMQ queue',
          'image bytes they hold MiB',
        ],
        [[fmt(before, 0), fmt(peak, 0), fmt(after, 0), depth, fmt((depth * small.length) / 2 ** 20, 0)]],
      ),
    );
  } finally {
    await service.stop();
  }
  return lines.join('\n');
}
