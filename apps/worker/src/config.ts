import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

const int = (min: number) => z.coerce.number().int().min(min);
const url = (...protocols: string[]) =>
  z.string().refine(
    // Never `new URL()` what does not parse: its error would carry the value, password included.
    (value) => URL.canParse(value) && protocols.includes(new URL(value).protocol),
    `must be a ${protocols.join(' or ')} URL`,
  );

/** What the worker reads, once, at start-up. RabbitMQ and Redis are required: a worker has nothing to do without. */
const EnvSchema = z.object({
  AMQP_URL: url('amqp:', 'amqps:'),
  AMQP_QUEUE: z.string().min(1).default('visionq.tasks'),
  REDIS_URL: url('redis:', 'rediss:'),
  REDIS_PREFIX: z.string().min(1).default('visionq:'),
  RESULT_TTL: int(1).default(300),
  PENDING_TTL: int(1).default(3600),
  MODEL_PATH: z.string().min(1).optional(),
  MAX_PIXELS: int(1).default(40_000_000),
  // MiB the running decodes may hold, by their estimate; unset: half the container's memory limit, or 512.
  DECODE_MEMORY_BUDGET_MB: int(16).optional(),
  WORKER_PREFETCH: int(1).default(16),
  WORKER_MAX_BATCH: int(1).default(8),
  WORKER_MAX_DELAY_MS: int(0).default(0),
  INFERENCE_WORKERS: int(1).default(1),
  INFERENCE_THREADS: int(0).default(0),
  // libvips threads per image decode; 0 keeps sharp's default (1 on glibc, where more fragments memory).
  SHARP_CONCURRENCY: int(0).default(0),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  SHUTDOWN_TIMEOUT_MS: int(0).default(15_000),
  // 9464, the port OpenTelemetry's Prometheus exporters default to; 0 turns the metrics server off.
  WORKER_METRICS_PORT: int(0).max(65_535).default(9464),
  WORKER_METRICS_HOST: z.string().min(1).default('127.0.0.1'),
});

export type WorkerConfig = z.infer<typeof EnvSchema> & { MODEL_PATH: string };

export function loadWorkerConfig(env: NodeJS.ProcessEnv = process.env): WorkerConfig {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const missing = issue?.code === 'invalid_type' && issue.input === undefined;
    throw new Error(
      `invalid configuration: ${issue?.path.join('.')}: ${missing ? 'required (RabbitMQ and Redis)' : issue?.message}`,
    );
  }
  return { ...parsed.data, MODEL_PATH: parsed.data.MODEL_PATH ?? bundledModelPath() };
}

function bundledModelPath(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'pnpm-workspace.yaml')) && dirname(dir) !== dir) dir = dirname(dir);
  return resolve(dir, 'models/traffic-signs/traffic-signs.onnx');
}
