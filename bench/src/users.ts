import { createEmulatorIdToken } from '@visionq/auth-firebase';
import { createVisionqClient } from '@visionq/client';
import { createLeanFetch } from './lean-fetch.js';
import { percentile } from './stats.js';

export interface DriveOptions {
  url: string;
  users: number;
  /** Measured time, after `warmupSeconds`. */
  seconds: number;
  warmupSeconds: number;
  images: Buffer[];
  /** The users' HTTP stack: `node:http` under the client (default, cheap) or Node's own `fetch`. */
  transport?: 'node-http' | 'fetch';
  /** How users wait for a result: `poll` (default), or `wait`. See `Flow`. */
  flow?: Flow;
}

/**
 * How a user waits: `poll` uploads (202), then long-polls GET /result, two requests per photo; `wait` uploads with
 * `?wait=30` and usually has its result in the upload's answer, one request per photo, as `classify()` does
 * (without its idempotency key, which makes the API hash every photo).
 */
export type Flow = 'poll' | 'wait';
export const FLOWS: readonly Flow[] = ['poll', 'wait'];

export interface DriveResult {
  imagesPerSecond: number;
  completed: number;
  /** Every image classified, warm-up included. */
  all: number;
  failed: number;
  p50: number;
  p95: number;
  p99: number;
  latencies: number[];
}

/**
 * `users` concurrent users, each sending one photo at a time with @visionq/client (`submit`, then `waitFor`:
 * a long-poll) and sending the next once it has its result. Counts results that arrive inside the measured
 * window; latency is from the start of the upload to the result in hand.
 */
export async function drive(options: DriveOptions): Promise<DriveResult> {
  const lean = options.transport === 'fetch' ? undefined : createLeanFetch();
  // Each user signs in as a uid of its own, as real users do: the API budgets uploads per uid.
  const clientOf = (n: number) => {
    const token = createEmulatorIdToken({ uid: `bench-${process.pid}-${n}`, projectId: 'demo-visionq' });
    return createVisionqClient({
      baseUrl: options.url,
      token: () => token,
      maxRetries: 0,
      // The service is measured on the mix as given: clients shrink photos by default, which is `bench mobile`'s
      // subject, and would hand the service 512-pixel JPEGs instead.
      shrink: false,
      ...(lean ? { fetch: lean.fetch } : {}),
    });
  };
  const begin = performance.now() + options.warmupSeconds * 1000;
  const end = begin + options.seconds * 1000;
  const latencies: number[] = [];
  let completed = 0;
  let all = 0;
  let failed = 0;
  let sent = 0;
  const user = async (n: number) => {
    const client = clientOf(n);
    while (performance.now() < end) {
      const image = options.images[sent++ % options.images.length]!;
      const started = performance.now();
      let ended: { status: string } | undefined;
      try {
        const submitted = await client.submit(image, options.flow === 'wait' ? { wait: 30 } : {});
        ended =
          submitted.status === 'queued' || submitted.status === 'processing'
            ? await client.waitFor(submitted.task_id)
            : submitted;
      } catch {
        // A refusal (503 and the like) is a failed image, not the end of the run; a short pause, then the next.
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const finished = performance.now();
      all += 1;
      // Throughput counts what ends inside the window; latency, what also started inside it.
      if (finished < begin || finished > end) continue;
      if (ended?.status !== 'succeeded') failed += 1;
      else {
        completed += 1;
        if (started >= begin) latencies.push(finished - started);
      }
    }
  };
  await Promise.all(Array.from({ length: options.users }, (_, n) => user(n))).finally(() => lean?.close());
  return {
    imagesPerSecond: completed / options.seconds,
    completed,
    all,
    failed,
    p50: percentile(latencies, 50),
    p95: percentile(latencies, 95),
    p99: percentile(latencies, 99),
    latencies,
  };
}
