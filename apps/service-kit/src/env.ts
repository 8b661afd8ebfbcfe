import { z } from 'zod';

/** A configuration that cannot serve; its one-line message names every bad variable. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

export const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((value) => value === 'true' || value === '1' || value === 'yes');
export const int = (min: number, max = Number.MAX_SAFE_INTEGER) => z.coerce.number().int().min(min).max(max);
export const url = (...protocols: string[]) =>
  z.string().refine(
    // Never `new URL()` what does not parse: its error would carry the value, password included.
    (value) => URL.canParse(value) && protocols.includes(new URL(value).protocol),
    `must be a ${protocols.join(' or ')} URL`,
  );

/** One URL, or several separated by commas (the nodes of a cluster); read as a list. */
export const urls = (...protocols: string[]) =>
  z
    .string()
    .transform((value) => value.split(',').map((one) => one.trim()))
    .refine(
      (list) => list.every((one) => URL.canParse(one) && protocols.includes(new URL(one).protocol)),
      `must be a ${protocols.join(' or ')} URL, or several separated by commas`,
    );

/** `host:port` pairs separated by commas. */
export const addresses = z
  .string()
  .transform((value) => value.split(',').map((one) => one.trim()))
  .refine(
    (list) => list.every((one) => /^[\w.-]+:\d{1,5}$/.test(one)),
    'must be host:port pairs separated by commas',
  );

/** RabbitMQ and Redis: optional here; a process that cannot run without them says so (`requireBrokers`). */
export const brokerEnv = {
  AMQP_URL: urls('amqp:', 'amqps:').optional(),
  AMQP_QUEUE: z.string().min(1).default('visionq.tasks'),
  REDIS_URL: url('redis:', 'rediss:').optional(),
  // With Sentinel, REDIS_URL gives only the credentials, database and TLS (rediss:) of the data nodes.
  REDIS_SENTINELS: addresses.optional(),
  REDIS_SENTINEL_NAME: z.string().min(1).default('mymaster'),
  REDIS_PREFIX: z.string().min(1).default('visionq:'),
  RESULT_TTL: int(1).default(300),
  PENDING_TTL: int(1).default(3600),
  // Seconds after acceptance that a task not yet ended fails `deadline_exceeded` (docs/scaling.md).
  TASK_DEADLINE: int(1).default(300),
  // Tasks waiting in the queue beyond which `POST /predict` answers 503 (docs/scaling.md).
  MAX_QUEUED_TASKS: int(1).default(1000),
};

/** What every process reads: logging, shutdown, and how images are decoded. */
export const processEnv = {
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  // auto: pino-pretty's lines when standard output is a terminal, JSON otherwise.
  LOG_FORMAT: z.enum(['auto', 'json', 'pretty']).default('auto'),
  SHUTDOWN_TIMEOUT_MS: int(0).default(15_000),
  MAX_PIXELS: int(1).default(40_000_000),
  // libvips threads per image decode; 0 keeps sharp's default (1 on glibc, where more fragments memory).
  SHARP_CONCURRENCY: int(0).default(0),
};

export type BrokerEnv = z.infer<z.ZodObject<typeof brokerEnv>>;
export type ProcessEnv = z.infer<z.ZodObject<typeof processEnv>>;

/** One line naming every problem: `invalid configuration: PORT: …; AMQP_URL: …`. */
export function configError(problems: string[]): ConfigError {
  return new ConfigError(`invalid configuration: ${problems.join('; ')}`);
}

/**
 * Parses the environment against `shape`. An empty variable counts as unset (`PORT=` means the default, as in
 * shells and `.env` files), and every bad variable is reported at once, not only the first.
 */
export function parseEnv<Shape extends z.ZodRawShape>(
  shape: Shape,
  env: Record<string, string | undefined>,
): z.infer<z.ZodObject<Shape>> {
  const set = Object.fromEntries(
    Object.entries(env).filter(([, value]) => value !== undefined && value !== ''),
  );
  const parsed = z.object(shape).safeParse(set);
  if (parsed.success) return parsed.data;
  throw configError(
    parsed.error.issues.map((issue) => {
      const missing = issue.code === 'invalid_type' && issue.input === undefined;
      return `${issue.path.join('.')}: ${missing ? 'required' : issue.message}`;
    }),
  );
}

/** Production processes need the real queue and store; say so before anything starts. */
export function requireBrokers<Config extends BrokerEnv>(
  config: Config,
): asserts config is Config & { AMQP_URL: string[] } {
  const missing = [
    ...(config.AMQP_URL ? [] : ['AMQP_URL']),
    ...(config.REDIS_URL || config.REDIS_SENTINELS ? [] : ['REDIS_URL']),
  ];
  if (missing.length > 0) {
    throw configError([`${missing.join(', ')}: required (RabbitMQ and Redis)`]);
  }
}
