import { z } from 'zod';
import {
  brokerEnv,
  bundledModelPath,
  configError,
  int,
  notifyEnv,
  notifyProblems,
  parseEnv,
  processEnv,
  requireBrokers,
  type NotifyEnv,
} from '@visionq/service-kit';

/** How tasks are classified: what a worker reads besides the shared variables, in any process that classifies. */
export const workerEnv = {
  MODEL_PATH: z.string().min(1).optional(),
  WORKER_PREFETCH: int(1).default(16),
  WORKER_MAX_BATCH: int(1).default(8),
  WORKER_MAX_DELAY_MS: int(0).default(0),
  INFERENCE_WORKERS: int(1).default(1),
  INFERENCE_THREADS: int(0).default(0),
  // MiB the running decodes may hold, by their estimate; unset: half the container's memory limit, or 512.
  DECODE_MEMORY_BUDGET_MB: int(16).optional(),
};

/** How ended tasks' notifications are sent, in any process that classifies. */
export const notifyWorkerEnv = {
  ...notifyEnv,
  // With FCM_ENABLED: the Firebase project and service-account key the API's authentication uses (the key
  // file defaults to secrets/firebase-key.json, then the application-default credentials).
  FIREBASE_PROJECT_ID: z.string().min(1).optional(),
  GOOGLE_APPLICATION_CREDENTIALS: z.string().min(1).optional(),
  // Notifications being sent at once, and of those to one receiver (a webhook host; FCM counts as one).
  NOTIFY_CONCURRENCY: int(1).default(32),
  NOTIFY_PER_RECEIVER: int(1).default(8),
  // How long one notification is retried (backoff and jitter) before it is recorded as failed, and how long
  // one attempt waits for an answer.
  NOTIFY_RETRY_TIME_MS: int(1_000).default(60_000),
  NOTIFY_ATTEMPT_TIMEOUT_MS: int(100).default(10_000),
  // Notifications owed at most in the outbox; beyond it the oldest are dropped.
  NOTIFY_OUTBOX_MAX: int(1).default(100_000),
};

/** A separate worker's own metrics server. */
export const workerMetricsEnv = {
  // 9464, the port OpenTelemetry's Prometheus exporters default to; 0 turns the metrics server off.
  WORKER_METRICS_PORT: int(0, 65_535).default(9464),
  WORKER_METRICS_HOST: z.string().min(1).default('127.0.0.1'),
};

const workerShape = { ...brokerEnv, ...processEnv, ...workerEnv, ...notifyWorkerEnv, ...workerMetricsEnv };

export type WorkerConfig = z.infer<z.ZodObject<typeof workerShape>> & {
  AMQP_URL: string[];
  MODEL_PATH: string;
};

/** What `startWorker` needs from the configuration, whichever app read it. */
export type WorkerSettings = z.infer<z.ZodObject<typeof workerEnv>> &
  NotifySettings &
  Pick<WorkerConfig, 'MAX_PIXELS' | 'SHARP_CONCURRENCY' | 'SHUTDOWN_TIMEOUT_MS'> & { MODEL_PATH: string };

export type NotifySettings = z.infer<z.ZodObject<typeof notifyWorkerEnv>>;

/** Throws the one-line configuration error for notification settings that do not fit together. */
export function checkNotify(values: NotifyEnv): void {
  const problems = notifyProblems(values);
  if (problems.length > 0) throw configError(problems);
}

/** The bundled model where `MODEL_PATH` is unset. */
export function withModelPath<Values extends { MODEL_PATH?: string }>(
  values: Values,
): Values & { MODEL_PATH: string } {
  return { ...values, MODEL_PATH: values.MODEL_PATH ?? bundledModelPath() };
}

/** A separate worker's configuration: RabbitMQ and Redis required; every bad variable in one line. */
export function loadWorkerConfig(env: Record<string, string | undefined>): WorkerConfig {
  const values = parseEnv(workerShape, env);
  requireBrokers(values);
  checkNotify(values);
  return withModelPath(values);
}
