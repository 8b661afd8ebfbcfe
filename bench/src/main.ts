// End-to-end benchmark of visionq (a script, not a test). From the repository root:
//   pnpm bench [--runs 3] [--seconds 20] [--users 16] [--model traffic-signs|mobilenet|PATH] [--set NAME=VALUE ...]
//              [--modes raw,all-in-one,production] [--mixes phone,640] [--flow poll|wait]  the headline tables
//   pnpm bench sweep [--runs 3] [--seconds 12] [--mode all-in-one|production] [--model …] [--only "name,name"]
//   pnpm bench memory [--minutes 10] [--burst 2000]
//   pnpm bench mobile [--runs 7] [--rate 10mbit]                               as root: a phone's link (mobile.ts)
//   pnpm bench notify [--runs 3] [--tasks 400]              throughput with a webhook receiver that never answers
// RabbitMQ and Redis at AMQP_URL / REDIS_URL (default: on localhost) for production mode.
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { headline, MODES, type ModeName } from './headline.js';
import { memory } from './memory.js';
import { benchModel } from './models.js';
import { mobile } from './mobile.js';
import { notifyBench } from './notify.js';
import { GRID, sweep } from './sweep.js';
import { FLOWS, type Flow } from './users.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    runs: { type: 'string' },
    seconds: { type: 'string' },
    users: { type: 'string' },
    model: { type: 'string', default: 'traffic-signs' },
    mode: { type: 'string', default: 'all-in-one' },
    minutes: { type: 'string', default: '10' },
    burst: { type: 'string', default: '2000' },
    only: { type: 'string' },
    tasks: { type: 'string', default: '400' },
    set: { type: 'string', multiple: true },
    rate: { type: 'string', default: '10mbit' },
    modes: { type: 'string' },
    mixes: { type: 'string' },
    flow: { type: 'string', default: 'poll' },
  },
});
const command = positionals[0] ?? 'headline';
const brokers = {
  amqp: process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672',
  redis: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
};
const number = (value: string | undefined, fallback: number) =>
  value === undefined ? fallback : Number(value);

console.log(`# visionq end-to-end benchmark: ${command}`);
console.log(
  `${new Date().toISOString()}, ${cpus()[0]?.model ?? 'cpu'} × ${cpus().length}, Node ${process.version}; the machine is shared with other work, so compare figures within one run\n`,
);

const isMode = (name: string): name is ModeName => (MODES as readonly string[]).includes(name);
const isFlow = (name: string): name is Flow => (FLOWS as readonly string[]).includes(name);
function fail(message: string): never {
  console.error(message);
  process.exit(2);
}
const settings = Object.fromEntries(
  (values.set ?? []).map((pair) => {
    // At the first '=' only: a value may hold more ("NODE_OPTIONS=--cpu-prof-dir=/tmp/prof").
    const at = pair.indexOf('=');
    if (at < 1) fail(`--set takes NAME=VALUE, not "${pair}"`);
    return [pair.slice(0, at), pair.slice(at + 1)];
  }),
);

if (command === 'headline') {
  await headline({
    modelPath: await benchModel(values.model),
    brokers,
    runs: number(values.runs, 1),
    seconds: number(values.seconds, 20),
    users: number(values.users, 16),
    settings,
    ...(values.modes && { modes: values.modes.split(',').filter(isMode) }),
    ...(values.mixes && { mixes: values.mixes.split(',') }),
    flow: isFlow(values.flow) ? values.flow : fail(`--flow must be one of ${FLOWS.join(', ')}`),
  });
} else if (command === 'sweep') {
  const names = values.only?.split(',') ?? Object.keys(GRID);
  console.log(
    await sweep({
      brokers,
      runs: number(values.runs, 3),
      seconds: number(values.seconds, 12),
      users: number(values.users, 16),
      mode: values.mode === 'production' ? 'production' : 'all-in-one',
      modelPath: await benchModel(values.model),
      candidates: Object.fromEntries(names.map((name) => [name, GRID[name] ?? {}])),
    }),
  );
} else if (command === 'memory') {
  console.log(
    await memory({
      brokers,
      minutes: number(values.minutes, 10),
      users: number(values.users, 8),
      burst: number(values.burst, 2000),
    }),
  );
} else if (command === 'mobile') {
  console.log(await mobile({ runs: number(values.runs, 7), rate: values.rate }));
} else if (command === 'notify') {
  console.log(await notifyBench({ brokers, runs: number(values.runs, 3), tasks: number(values.tasks, 400) }));
} else {
  console.error(`unknown command ${command}: headline, sweep, memory, mobile or notify`);
  process.exitCode = 2;
}
