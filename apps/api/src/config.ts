import { existsSync, readFileSync } from 'node:fs';
import { z } from 'zod';
import { ConfigError, configError, parseEnv, repoPath, requireBrokers } from '@visionq/service-kit';
import { bool, brokerEnv, int, notifyEnv, processEnv } from '@visionq/service-kit';

export { ConfigError, requireBrokers };

/** What the API reads besides the shared brokers and process variables (defaults in `.env.example`). */
export const apiEnv = {
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
  // Firebase App Check on uploads: off, checked when sent (optional), or required. Needs AUTH_MODE=firebase.
  APP_CHECK: z.enum(['off', 'optional', 'required']).default('off'),
  MAX_UPLOAD_BYTES: int(1).default(10 * 1024 * 1024),
  // MiB of uploads being received at once, in all and per uid: beyond, 503 with Retry-After.
  UPLOAD_BUDGET_MB: int(1).default(128),
  UPLOAD_BUDGET_PER_UID_MB: int(1).default(32),
  RATE_LIMIT_PER_MIN: int(0).default(120),
  TRY_PAGE: bool.default(true),
  // The served model, for GET /model: the API reads only its metadata file beside it (the workers' variable).
  MODEL_PATH: z.string().min(1).optional(),
  // /metrics on a port of its own, never the public one: it tells how the service and its callers fare. 9465,
  // beside the worker's 9464; 0 turns it off.
  API_METRICS_PORT: int(0, 65535).default(9465),
  API_METRICS_HOST: z.string().min(1).default('127.0.0.1'),
};

// The notification variables are the workers' too: the API refuses what they could not send.
const apiShape = { ...brokerEnv, ...processEnv, ...notifyEnv, ...apiEnv };
export type ApiEnv = z.infer<z.ZodObject<typeof apiShape>>;

export interface Config extends Omit<ApiEnv, 'AUTH_MODE' | 'FIREBASE_PROJECT_ID'> {
  AUTH_MODE: 'firebase' | 'local';
  FIREBASE_PROJECT_ID: string;
}

const LOCAL_PROJECT_ID = 'demo-visionq';

/** Validates the API's environment once, every bad variable in one line (`ConfigError`). */
export function loadConfig(env: Record<string, string | undefined>): Config {
  return resolveAuth(parseEnv(apiShape, env));
}

/**
 * Fills in what SPEC defaults: the key file in `secrets/`, the auth mode and project id it implies. Refuses
 * Firebase mode beside `FIREBASE_AUTH_EMULATOR_HOST`, which would switch firebase-admin to checking no signature.
 */
export function resolveAuth<Values extends ApiEnv>(
  values: Values,
): Omit<Values, 'AUTH_MODE' | 'FIREBASE_PROJECT_ID'> & Pick<Config, 'AUTH_MODE' | 'FIREBASE_PROJECT_ID'> {
  const defaultKey = repoPath('secrets/firebase-key.json');
  const keyFile = values.GOOGLE_APPLICATION_CREDENTIALS ?? (existsSync(defaultKey) ? defaultKey : undefined);
  // The emulator variable says "development" louder than a project id or a key file does.
  const implied = values.FIREBASE_AUTH_EMULATOR_HOST
    ? 'local'
    : values.FIREBASE_PROJECT_ID || keyFile
      ? 'firebase'
      : 'local';
  const authMode = values.AUTH_MODE ?? implied;
  const projectId =
    values.FIREBASE_PROJECT_ID ??
    (authMode === 'firebase' && keyFile ? projectIdFromKeyFile(keyFile) : undefined) ??
    (authMode === 'local' ? LOCAL_PROJECT_ID : undefined);
  const problems: string[] = [];
  if (!projectId) problems.push('FIREBASE_PROJECT_ID: required when AUTH_MODE=firebase');
  if (values.APP_CHECK !== 'off' && authMode !== 'firebase')
    problems.push('APP_CHECK: needs AUTH_MODE=firebase (App Check tokens are verified against Firebase)');
  if (authMode === 'firebase' && values.FIREBASE_AUTH_EMULATOR_HOST) {
    problems.push(
      'AUTH_MODE=firebase and FIREBASE_AUTH_EMULATOR_HOST cannot be set together (the emulator variable makes firebase-admin skip signature checks); unset one',
    );
  }
  if (problems.length > 0) throw configError(problems);
  return {
    ...values,
    GOOGLE_APPLICATION_CREDENTIALS: keyFile,
    AUTH_MODE: authMode,
    FIREBASE_PROJECT_ID: projectId as string,
  };
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

/** Local auth accepts unsigned tokens: it may only ever listen where nobody else can reach it. */
export function assertSafeAuth(config: Pick<Config, 'AUTH_MODE' | 'HOST'>): void {
  if (config.AUTH_MODE === 'local' && !LOOPBACK.has(config.HOST)) {
    throw configError([
      `HOST: AUTH_MODE=local accepts unsigned tokens and refuses to listen on ${config.HOST}; use 127.0.0.1 or AUTH_MODE=firebase`,
    ]);
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
