import { availableParallelism } from 'node:os';
import { basename } from 'node:path';
import { bytesOf, mixedWorkload, photo } from './images.js';
import { rawLimit, rawSingleMs, type RawResult } from './raw.js';
import { cpuSeconds, stages, startAllInOne, startProduction, type Service } from './service.js';
import { fmt, median, table } from './stats.js';
import { drive, type DriveResult } from './users.js';

export interface HeadlineOptions {
  modelPath: string;
  brokers: { amqp: string; redis: string };
  runs: number;
  seconds: number;
  users: number;
  /** Worker settings for both modes (environment variables); empty: the apps' defaults. */
  settings: Record<string, string>;
}

interface Mode {
  load: DriveResult;
  /** CPU per image under load: the service's processes, and the benchmark's own users (the HTTP client). */
  cpu: { service: number; client: number };
  /** Under load, medians: upload until 202, and delivery until stored in the worker. */
  stages: { upload: number; worker: number };
  light: { small: number; phone: number };
}

interface Run {
  raw: RawResult;
  single: { small: number; phone: number };
  modes: Record<string, Mode>;
}

/**
 * One table, measured in one run (repeated `runs` times, medians reported): the raw limit, the all-in-one
 * process and production mode, under `users` concurrent users, and the latency a lone user sees.
 */
export async function headline(options: HeadlineOptions): Promise<string> {
  const workload = await mixedWorkload();
  const small = await photo(640, 480, 7);
  const phone = await photo(4032, 3024, 7);
  const runs: Run[] = [];
  for (let r = 0; r < options.runs; r += 1) {
    console.error(`run ${r + 1}/${options.runs}: raw limit`);
    const raws = await rawLimit({
      modelPath: options.modelPath,
      images: workload.images,
      seconds: Math.max(3, options.seconds / 5),
      batchSizes: [1, 4, 8, 16, 32],
      threads: [1, 2],
      decodeConcurrency: 4,
    });
    const raw = raws.reduce((best, x) => (x.imagesPerSecond > best.imagesPerSecond ? x : best));
    const threads = Math.min(2, availableParallelism());
    const single = {
      small: await rawSingleMs(options.modelPath, small, 20, threads),
      phone: await rawSingleMs(options.modelPath, phone, 10, threads),
    };
    const modes: Record<string, Mode> = {};
    for (const start of [
      () => startAllInOne({ MODEL_PATH: options.modelPath, ...options.settings }),
      () => startProduction(options.brokers, { MODEL_PATH: options.modelPath, ...options.settings }),
    ]) {
      const service = await start();
      console.error(`run ${r + 1}/${options.runs}: ${service.mode}`);
      try {
        modes[service.mode] = await measure(service, options, workload.images, small, phone);
      } finally {
        await service.stop();
      }
    }
    runs.push({ raw, single, modes });
  }
  return report(runs, options, workload.name, bytesOf(workload.images) / workload.images.length);
}

async function measure(
  service: Service,
  options: HeadlineOptions,
  images: Buffer[],
  small: Buffer,
  phone: Buffer,
): Promise<Mode> {
  const processes = [service.api, ...service.workers];
  const serviceCpu = processes.reduce((sum, p) => sum + cpuSeconds(p), 0);
  const clientCpu = process.cpuUsage();
  const load = await drive({
    url: service.url,
    users: options.users,
    seconds: options.seconds,
    warmupSeconds: 3,
    images,
  });
  const lone = (image: Buffer) =>
    drive({
      url: service.url,
      users: 1,
      seconds: Math.max(4, options.seconds / 3),
      warmupSeconds: 1,
      images: [image],
    });
  const usedByClient = process.cpuUsage(clientCpu);
  const cpu = {
    service: ((processes.reduce((sum, p) => sum + cpuSeconds(p), 0) - serviceCpu) * 1000) / load.all,
    client: (usedByClient.user + usedByClient.system) / 1000 / load.all,
  };
  const split = stages(service);
  return {
    load,
    cpu,
    stages: split,
    light: { small: (await lone(small)).p50, phone: (await lone(phone)).p50 },
  };
}

function report(runs: Run[], options: HeadlineOptions, workload: string, meanBytes: number): string {
  const m = (pick: (run: Run) => number) => median(runs.map(pick));
  const best = runs.map((run) => `batch ${run.raw.batch}, ${run.raw.threads} thread(s)`).join('; ');
  const rows: (string | number)[][] = [
    [
      'raw limit (preprocess + onnxruntime, one process)',
      fmt(m((run) => run.raw.imagesPerSecond)),
      '–',
      '–',
      '–',
      '1.00',
      fmt(m((run) => run.raw.cpuMsPerImage)),
      '–',
      '–',
      fmt(m((run) => run.single.small)),
      fmt(m((run) => run.single.phone)),
    ],
  ];
  const LABELS: Record<string, string> = {
    'all-in-one': 'all-in-one (embedded queue and store)',
    production: 'production (api + worker, RabbitMQ, Redis)',
  };
  for (const mode of Object.keys(LABELS)) {
    const pick = (f: (x: Mode, run: Run) => number) => m((run) => f(run.modes[mode]!, run));
    rows.push([
      LABELS[mode]!,
      fmt(pick((x) => x.load.imagesPerSecond)),
      fmt(
        pick((x) => x.load.p50),
        0,
      ),
      fmt(
        pick((x) => x.load.p95),
        0,
      ),
      fmt(
        pick((x) => x.load.p99),
        0,
      ),
      fmt(
        pick((x, run) => x.load.imagesPerSecond / run.raw.imagesPerSecond),
        2,
      ),
      fmt(pick((x) => x.cpu.service)),
      fmt(pick((x) => x.cpu.client)),
      `${fmt(
        pick((x) => x.stages.upload),
        0,
      )} / ${fmt(
        pick((x) => x.stages.worker),
        0,
      )}`,
      `${fmt(pick((x) => x.light.small))} (+${fmt(pick((x, run) => x.light.small - run.single.small))})`,
      `${fmt(pick((x) => x.light.phone))} (+${fmt(pick((x, run) => x.light.phone - run.single.phone))})`,
    ]);
  }
  const header = [
    'mode',
    'images/s',
    'p50 ms',
    'p95 ms',
    'p99 ms',
    'ratio to raw',
    'CPU ms/image',
    'client CPU ms/image',
    'upload→202 / in worker, p50 ms',
    'one user 640×480 ms (overhead)',
    'one user 4032×3024 ms (overhead)',
  ];
  return [
    `${workload} (mean ${fmt(meanBytes / 1e6, 2)} MB), ${options.users} concurrent users, ${options.seconds} s measured per mode, medians of ${runs.length} run(s)`,
    `model: ${basename(options.modelPath)}; raw limit's best: ${best}`,
    `worker settings: ${Object.keys(options.settings).length ? JSON.stringify(options.settings) : 'the defaults'}`,
    '',
    table(header, rows),
  ].join('\n');
}
