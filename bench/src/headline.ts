import { basename } from 'node:path';
import { probeBrokers, cpuSecondsOf, type BrokerProbe } from './brokers.js';
import { bytesOf, headlineMixes, type Workload } from './images.js';
import { rawLimit, rawSingleMs, type RawResult } from './raw.js';
import { stages, startAllInOne, startProduction, type Service } from './service.js';
import { fmt, median, table } from './stats.js';
import { drive, type DriveResult, type Flow } from './users.js';

export const MODES = ['raw', 'all-in-one', 'production'] as const;
export type ModeName = (typeof MODES)[number];

export interface HeadlineOptions {
  modelPath: string;
  brokers: { amqp: string; redis: string };
  runs: number;
  seconds: number;
  users: number;
  /** Worker settings for both modes (environment variables); empty: the apps' defaults. */
  settings: Record<string, string>;
  /** What to measure; default all three (without the raw limit there is no efficiency). */
  modes?: readonly ModeName[];
  /** Names (or a prefix) of the mixes to measure; default both. */
  mixes?: readonly string[];
  /** How the users wait for their results (default `poll`). */
  flow?: Flow;
}

/** CPU ms per image by process; `undefined` where the process is not there or cannot be read. */
interface ProcessCpu {
  api: number;
  worker: number | undefined;
  rabbitmq: number | undefined;
  redis: number | undefined;
}

interface Mode {
  load: DriveResult;
  /** CPU per image under load: the service (api, worker, brokers), and the benchmark's own users. */
  cpu: { service: number; processes: ProcessCpu; client: number };
  /** Per task: requests Redis read (every client of that server), packets RabbitMQ exchanged with us. */
  trips: { redis: number | undefined; amqp: number | undefined };
  /** Under load, medians: upload until 202, and delivery until stored in the worker. */
  stages: { upload: number; worker: number };
  /** One user's median latency, this mix's first image. */
  light: number;
}

interface Run {
  raw: RawResult | undefined;
  single: number | undefined;
  modes: Partial<Record<ModeName, Mode>>;
}

/**
 * For each image mix, one table (printed once measured) measured in one run (repeated `runs` times, medians reported): the raw limit,
 * the all-in-one process and production mode under `users` concurrent users, and the latency a lone user sees.
 * The headline is the CPU efficiency (raw CPU per image ÷ the service's), which does not depend on how much of
 * the machine the users and the other work on it take, beside images/s, which does.
 */
export async function headline(options: HeadlineOptions): Promise<void> {
  const modes = options.modes ?? MODES;
  const mixes = (await headlineMixes()).filter(
    (mix) => !options.mixes || options.mixes.some((name) => mix.name.startsWith(name)),
  );
  const probe = probeBrokers(options.brokers);
  console.log(
    [
      `model: ${basename(options.modelPath)}; ${options.users} concurrent users (flow: ${options.flow ?? 'poll'}), ${options.seconds} s measured per mode`,
      `worker settings: ${Object.keys(options.settings).length ? JSON.stringify(options.settings) : 'the defaults'}`,
      `brokers: RabbitMQ pid ${probe.rabbitPid ?? '–'}, Redis pid ${probe.redisPid ?? '–'} (their CPU and Redis's round trips include any other client of theirs)`,
      '',
    ].join('\n'),
  );
  // Each mix's table as soon as it is measured: a later failure does not lose it.
  for (const mix of mixes) {
    const runs: Run[] = [];
    for (let r = 0; r < options.runs; r += 1) {
      runs.push(await measureRun(mix, options, modes, probe, `${mix.name}, run ${r + 1}/${options.runs}`));
    }
    console.log(report(runs, options, mix));
  }
}

async function measureRun(
  mix: Workload,
  options: HeadlineOptions,
  modes: readonly ModeName[],
  probe: BrokerProbe,
  label: string,
): Promise<Run> {
  const lone = mix.images[0]!;
  const run: Run = { raw: undefined, single: undefined, modes: {} };
  if (modes.includes('raw')) {
    console.error(`${label}: raw limit`);
    const raws = await rawLimit({
      modelPath: options.modelPath,
      images: mix.images,
      seconds: Math.max(3, options.seconds / 5),
      batchSizes: [1, 4, 8, 16, 32],
      threads: [1, 2],
      decodeConcurrency: 4,
    });
    const raw = raws.reduce((best, x) => (x.imagesPerSecond > best.imagesPerSecond ? x : best));
    run.raw = raw;
    run.single = await rawSingleMs(options.modelPath, lone, 10, raw.threads);
  }
  const starts = {
    'all-in-one': () => startAllInOne({ MODEL_PATH: options.modelPath, ...options.settings }),
    production: () =>
      startProduction(options.brokers, { MODEL_PATH: options.modelPath, ...options.settings }),
  };
  for (const name of ['all-in-one', 'production'] as const) {
    if (!modes.includes(name)) continue;
    const service = await starts[name]();
    console.error(`${label}: ${service.mode}`);
    try {
      run.modes[name] = await measure(service, options, mix.images, lone, probe);
    } finally {
      await service.stop();
    }
  }
  return run;
}

async function measure(
  service: Service,
  options: HeadlineOptions,
  images: Buffer[],
  lone: Buffer,
  probe: BrokerProbe,
): Promise<Mode> {
  const production = service.workers.length > 0;
  const pids = {
    api: [service.api.child.pid as number],
    worker: service.workers.map((w) => w.child.pid as number),
    rabbitmq: production && probe.rabbitPid !== undefined ? [probe.rabbitPid] : [],
    redis: production && probe.redisPid !== undefined ? [probe.redisPid] : [],
  };
  const ours = [...pids.api, ...pids.worker];
  const cpuOf = (list: number[]) => list.reduce((sum, pid) => sum + cpuSecondsOf(pid), 0);
  const snapshot = async () => ({
    cpu: Object.fromEntries(Object.entries(pids).map(([k, list]) => [k, cpuOf(list)])) as Record<
      keyof typeof pids,
      number
    >,
    redis: production ? await probe.redisReads() : undefined,
    amqp: production ? await probe.amqpPackets(ours) : undefined,
  });
  const before = await snapshot();
  const clientCpu = process.cpuUsage();
  const load = await drive({
    url: service.url,
    users: options.users,
    seconds: options.seconds,
    warmupSeconds: 3,
    images,
    ...(options.flow && { flow: options.flow }),
  });
  const usedByClient = process.cpuUsage(clientCpu);
  const after = await snapshot();
  const perImage = (key: keyof typeof pids) =>
    pids[key].length ? ((after.cpu[key] - before.cpu[key]) * 1000) / load.all : undefined;
  const processes: ProcessCpu = {
    api: perImage('api') as number,
    worker: perImage('worker'),
    rabbitmq: perImage('rabbitmq'),
    redis: perImage('redis'),
  };
  const perTask = (a: number | undefined, b: number | undefined) =>
    a === undefined || b === undefined ? undefined : (b - a) / load.all;
  const light = await drive({
    url: service.url,
    users: 1,
    seconds: Math.max(4, options.seconds / 3),
    warmupSeconds: 1,
    images: [lone],
    ...(options.flow && { flow: options.flow }),
  });
  return {
    load,
    cpu: {
      service: Object.values(processes).reduce<number>((sum, ms) => sum + (ms ?? 0), 0),
      processes,
      client: (usedByClient.user + usedByClient.system) / 1000 / load.all,
    },
    trips: { redis: perTask(before.redis, after.redis), amqp: perTask(before.amqp, after.amqp) },
    stages: stages(service),
    light: light.p50,
  };
}

const LABELS: Record<Exclude<ModeName, 'raw'>, string> = {
  'all-in-one': 'all-in-one (embedded queue and store)',
  production: 'production (api + worker, RabbitMQ, Redis)',
};

function report(runs: Run[], options: HeadlineOptions, mix: Workload): string {
  // Medians over the runs that measured it; '–' where none did.
  const m = (pick: (run: Run) => number | undefined) => {
    const values = runs.map(pick).filter((x): x is number => x !== undefined && Number.isFinite(x));
    return values.length ? median(values) : Number.NaN;
  };
  const rows: (string | number)[][] = [];
  if (runs.some((run) => run.raw))
    rows.push([
      'raw limit (preprocess + onnxruntime, one process)',
      fmt(m((run) => run.raw?.imagesPerSecond)),
      '**1.00**',
      fmt(m((run) => run.raw?.cpuMsPerImage)),
      '–',
      '–',
      '–',
      '–',
      '–',
      '–',
      '–',
      '–',
      '–',
      '–',
      fmt(m((run) => run.single)),
    ]);
  for (const mode of Object.keys(LABELS) as (keyof typeof LABELS)[]) {
    if (!runs.some((run) => run.modes[mode])) continue;
    const pick = (f: (x: Mode, run: Run) => number | undefined) =>
      m((run) => (run.modes[mode] ? f(run.modes[mode], run) : undefined));
    const efficiency = pick((x, run) => (run.raw ? run.raw.cpuMsPerImage / x.cpu.service : undefined));
    rows.push([
      LABELS[mode],
      fmt(pick((x) => x.load.imagesPerSecond)),
      Number.isFinite(efficiency) ? `**${fmt(efficiency, 2)}**` : '–',
      fmt(pick((x) => x.cpu.service)),
      fmt(pick((x) => x.cpu.processes.api)),
      fmt(pick((x) => x.cpu.processes.worker)),
      fmt(pick((x) => x.cpu.processes.rabbitmq)),
      fmt(pick((x) => x.cpu.processes.redis)),
      fmt(pick((x) => x.cpu.client)),
      fmt(pick((x) => x.trips.redis)),
      fmt(pick((x) => x.trips.amqp)),
      fmt(
        pick((x) => x.load.p50),
        0,
      ),
      fmt(
        pick((x) => x.load.p95),
        0,
      ),
      `${fmt(
        pick((x) => x.stages.upload),
        0,
      )} / ${fmt(
        pick((x) => x.stages.worker),
        0,
      )}`,
      `${fmt(pick((x) => x.light))} (+${fmt(pick((x, run) => (run.single === undefined ? undefined : x.light - run.single)))})`,
    ]);
  }
  const header = [
    'mode',
    'images/s',
    'CPU efficiency',
    'CPU ms/image',
    'api',
    'worker',
    'RabbitMQ',
    'Redis',
    'users (client)',
    'Redis round trips/task',
    'AMQP packets/task',
    'p50 ms',
    'p95 ms',
    'upload→202 / in worker, p50 ms',
    'one user ms (overhead)',
  ];
  const best = runs
    .filter((run) => run.raw)
    .map((run) => `batch ${run.raw!.batch}, ${run.raw!.threads} thread(s)`)
    .join('; ');
  return [
    `## ${mix.name} (mean ${fmt(bytesOf(mix.images) / mix.images.length / 1e6, 2)} MB), medians of ${runs.length} run(s)`,
    `CPU efficiency = raw CPU per image ÷ the service's (api, worker, RabbitMQ, Redis); 1.00 = no overhead. raw limit's best: ${best || '–'}`,
    '',
    table(header, rows),
    '',
  ].join('\n');
}
