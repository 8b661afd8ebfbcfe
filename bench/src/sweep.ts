import { basename } from 'node:path';
import { mixedWorkload } from './images.js';
import { cpuSeconds, startAllInOne, startProduction } from './service.js';
import { fmt, median, table } from './stats.js';
import { drive } from './users.js';

export interface SweepOptions {
  brokers: { amqp: string; redis: string };
  runs: number;
  seconds: number;
  users: number;
  mode: 'all-in-one' | 'production';
  /** The service's `MODEL_PATH`. */
  modelPath: string;
  /** Named settings to compare; each is the environment of the processes. */
  candidates: Record<string, Record<string, string>>;
}

/** The grid the defaults were chosen from: one knob at a time around the defaults. */
export const GRID: Record<string, Record<string, string>> = {
  'batch 1 (no batching)': { WORKER_MAX_BATCH: '1', WORKER_PREFETCH: '2' },
  'batch 4': { WORKER_MAX_BATCH: '4', WORKER_PREFETCH: '8' },
  'batch 8 (default)': {},
  'batch 16': { WORKER_MAX_BATCH: '16', WORKER_PREFETCH: '32' },
  'batch 32': { WORKER_MAX_BATCH: '32', WORKER_PREFETCH: '64' },
  'delay 5': { WORKER_MAX_DELAY_MS: '5' },
  'delay 20': { WORKER_MAX_DELAY_MS: '20' },
  'prefetch 8 (= batch)': { WORKER_PREFETCH: '8' },
  'prefetch 32': { WORKER_PREFETCH: '32' },
  'threads 1': { INFERENCE_THREADS: '1' },
  '2 inference workers × 1 thread': { INFERENCE_WORKERS: '2', INFERENCE_THREADS: '1' },
  'libuv pool 2 (sharp decodes)': { UV_THREADPOOL_SIZE: '2' },
  'libuv pool 8 (sharp decodes)': { UV_THREADPOOL_SIZE: '8' },
  'sharp concurrency 2 (libvips threads per decode)': { SHARP_CONCURRENCY: '2' },
};

/**
 * Each candidate against the same load, round-robin within each repetition (so that whatever else the machine
 * is doing meanwhile falls on all of them alike), medians over the repetitions.
 */
export async function sweep(options: SweepOptions): Promise<string> {
  const { images } = await mixedWorkload();
  const results = new Map<string, { rate: number; p95: number; cpu: number; ratio: number }[]>();
  const baseline = Object.keys(options.candidates)[0]!;
  for (let r = 0; r < options.runs; r += 1) {
    for (const [name, settings] of Object.entries(options.candidates)) {
      console.error(`sweep ${r + 1}/${options.runs}: ${name}`);
      const env = { MODEL_PATH: options.modelPath, ...settings };
      const service =
        options.mode === 'all-in-one'
          ? await startAllInOne(env)
          : await startProduction(options.brokers, env);
      try {
        const processes = [service.api, ...service.workers];
        const cpuBefore = processes.reduce((sum, p) => sum + cpuSeconds(p), 0);
        const load = await drive({
          url: service.url,
          users: options.users,
          seconds: options.seconds,
          warmupSeconds: 3,
          images,
        });
        const cpu = ((processes.reduce((sum, p) => sum + cpuSeconds(p), 0) - cpuBefore) * 1000) / load.all;
        // Against the baseline of the same round: the machine's other work changes less within a round.
        const base = results.get(baseline)?.[r]?.rate ?? load.imagesPerSecond;
        const entry = { rate: load.imagesPerSecond, p95: load.p95, cpu, ratio: load.imagesPerSecond / base };
        results.set(name, [...(results.get(name) ?? []), entry]);
      } finally {
        await service.stop();
      }
    }
  }
  const rows = [...results].map(([name, runs]) => [
    name,
    JSON.stringify(options.candidates[name]).replace(/"/g, ''),
    fmt(median(runs.map((x) => x.rate))),
    runs.map((x) => fmt(x.rate)).join(' / '),
    fmt(median(runs.map((x) => x.ratio)), 2),
    fmt(median(runs.map((x) => x.cpu))),
    fmt(median(runs.map((x) => x.p95)), 0),
  ]);
  return [
    `${options.mode}, model ${basename(options.modelPath)}, ${options.users} users, mixed 640×480 / 4032×3024 JPEGs, ${options.seconds} s per measurement, ${options.runs} round(s)`,
    '',
    table(
      [
        'candidate',
        'settings',
        'images/s (median)',
        'each round',
        `× ${baseline}, same round (median)`,
        'CPU ms/image',
        'p95 ms',
      ],
      rows,
    ),
  ].join('\n');
}
