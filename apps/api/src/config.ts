import { existsSync, readFileSync } from 'node:fs';
import { z } from 'zod';
import { bundledModelPath, repoPath } from './paths.js';

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((value) => value === 'true' || value === '1' || value === 'yes');
const int = (min: number, max = Number.MAX_SAFE_INTEGER) => z.coerce.number().int().min(min).max(max);
const url = (...protocols: string[]) =>
  z.string().refine(
    // Never `new URL()` what does not parse: its error would carry the value, password included.
    (value) => URL.canParse(value) && protocols.includes(new URL(value).protocol),
    `must be a ${protocols.join(' or ')} URL`,
  );

/** Every variable the service reads, with its default. Read once, at start-up. */
const EnvSchema = z.object({
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: int(0, 65535).default(8080),
  AUTH_MODE: z.enum(['firebase', 'local']).optional(),
  FIREBASE_PROJECT_ID: z.string().min(1).optional(),
  FIREBASE_AUTH_EMULATOR_HOST: z
    .string()
    .regex(/^[\w.-]+:\d+$/, 'must be host:port')
    .optional(),
  GOOGLE_APPLICATION_CREDENTIALS: z.string().min(1).optional(),
  FIREBASE_CHECK_REVOKED: bool.default(false),
  AMQP_URL: url('amqp:', 'amqps:').optional(),
  AMQP_QUEUE: z.string().min(1).default('visionq.tasks'),
  REDIS_URL: url('redis:', 'rediss:').optional(),
  REDIS_PREFIX: z.string().min(1).default('visionq:'),
  RESULT_TTL: int(1).default(300),
  PENDING_TTL: int(1).default(3600),
  MODEL_PATH: z.string().min(1).optional(),
  MAX_UPLOAD_BYTES: int(1).default(10 * 1024 * 1024),
  // MiB of uploads being received at once, in all and per uid: beyond, 503 with Retry-After.
  UPLOAD_BUDGET_MB: int(1).default(128),
  UPLOAD_BUDGET_PER_UID_MB: int(1).default(32),
  MAX_PIXELS: int(1).default(40_000_000),
  WORKER_PREFETCH: int(1).default(16),
  WORKER_MAX_BATCH: int(1).default(8),
  WORKER_MAX_DELAY_MS: int(0).default(0),
  INFERENCE_WORKERS: int(1).default(1),
  INFERENCE_THREADS: int(0).default(0),
  // libvips threads per image decode; 0 keeps sharp's default (1 on glibc, where more fragments memory).
  SHARP_CONCURRENCY: int(0).default(0),
  RATE_LIMIT_PER_MIN: int(0).default(120),
  TRY_PAGE: bool.default(true),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  SHUTDOWN_TIMEOUT_MS: int(0).default(15_000),
});

export type Env = z.infer<typeof EnvSchema>;

export interface Config extends Omit<Env, 'AUTH_MODE' | 'FIREBASE_PROJECT_ID' | 'MODEL_PATH'> {
  AUTH_MODE: 'firebase' | 'local';
  FIREBASE_PROJECT_ID: string;
  MODEL_PATH: string;
}

/** A configuration that cannot serve; its message names the variable. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

const LOCAL_PROJECT_ID = 'demo-visionq';

/**
 * Validates the environment once. Fills in what SPEC defaults: the key file in `secrets/`, the auth mode and
 * project id it implies, the bundled model. Throws `ConfigError` naming the first bad variable.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ConfigError(`invalid configuration: ${issue?.path.join('.')}: ${issue?.message}`);
  }
  const values = parsed.data;
  const defaultKey = repoPath('secrets/firebase-key.json');
  const keyFile = values.GOOGLE_APPLICATION_CREDENTIALS ?? (existsSync(defaultKey) ? defaultKey : undefined);
  const authMode = values.AUTH_MODE ?? (values.FIREBASE_PROJECT_ID || keyFile ? 'firebase' : 'local');
  const projectId =
    values.FIREBASE_PROJECT_ID ??
    (authMode === 'firebase' && keyFile ? projectIdFromKeyFile(keyFile) : undefined) ??
    (authMode === 'local' ? LOCAL_PROJECT_ID : undefined);
  if (!projectId) {
    throw new ConfigError('invalid configuration: FIREBASE_PROJECT_ID: required when AUTH_MODE=firebase');
  }
  return {
    ...values,
    GOOGLE_APPLICATION_CREDENTIALS: keyFile,
    AUTH_MODE: authMode,
    FIREBASE_PROJECT_ID: projectId,
    MODEL_PATH: values.MODEL_PATH ?? bundledModelPath(),
  };
}

/** Production processes need the real queue and store; say so before anything starts. */
export function requireBrokers(
  config: Config,
): asserts config is Config & { AMQP_URL: string; REDIS_URL: string } {
  const missing = (['AMQP_URL', 'REDIS_URL'] as const).filter((name) => !config[name]);
  if (missing.length > 0) {
    throw new ConfigError(`invalid configuration: ${missing.join(', ')}: required (RabbitMQ and Redis)`);
  }
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

/** Local auth accepts unsigned tokens: it may only ever listen where nobody else can reach it. */
export function assertSafeAuth(config: Config): void {
  if (config.AUTH_MODE === 'local' && !LOOPBACK.has(config.HOST)) {
    throw new ConfigError(
      `invalid configuration: HOST: AUTH_MODE=local accepts unsigned tokens and refuses to listen on ${config.HOST}; use 127.0.0.1 or AUTH_MODE=firebase`,
    );
  }
}

function projectIdFromKeyFile(path: string): string | undefined {
  try {
    const key = JSON.parse(readFileSync(path, 'utf8')) as { project_id?: unknown };
    return typeof key.project_id === 'string' ? key.project_id : undefined;
  } catch (cause) {
    throw new ConfigError(`invalid configuration: GOOGLE_APPLICATION_CREDENTIALS: cannot read ${path}`, {
      cause,
    });
  }
}
