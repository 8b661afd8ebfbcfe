import { z } from 'zod';
import { brokerEnv, bundledModelPath, int, parseEnv, processEnv, requireBrokers } from '@visionq/service-kit';

/** How tasks are classified: what a worker reads besides the shared variables, in any process that classifies. */
export const workerEnv = {
  MODEL_PATH: z.string().min(1).optional(),
  WORKER_PREFETCH: int(1).default(16),
  WORKER_MAX_BATCH: int(1).default(8),
  WORKER_MAX_DELAY_MS: int(0).default(0),
  INFERENCE_WORKERS: int(1).default(1),
  INFERENCE_THREADS: int(0).default(0),
};

/** A separate worker's own metrics server. */
export const workerMetricsEnv = {
  // 9464, the port OpenTelemetry's Prometheus exporters default to; 0 turns the metrics server off.
  WORKER_METRICS_PORT: int(0, 65_535).default(9464),
  WORKER_METRICS_HOST: z.string().min(1).default('127.0.0.1'),
};

const workerShape = { ...brokerEnv, ...processEnv, ...workerEnv, ...workerMetricsEnv };

export type WorkerConfig = z.infer<z.ZodObject<typeof workerShape>> & {
  AMQP_URL: string[];
  MODEL_PATH: string;
};

/** What `startWorker` needs from the configuration, whichever app read it. */
export type WorkerSettings = z.infer<z.ZodObject<typeof workerEnv>> &
  Pick<WorkerConfig, 'MAX_PIXELS' | 'SHARP_CONCURRENCY' | 'SHUTDOWN_TIMEOUT_MS'> & { MODEL_PATH: string };

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
  return withModelPath(values);
}
