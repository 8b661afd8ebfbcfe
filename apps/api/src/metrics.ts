import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Everything the service counts, on its own registry (so tests and several apps in one process never collide). */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const httpDuration = new Histogram({
    name: 'visionq_http_request_duration_seconds',
    help: 'HTTP request duration by route and status',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  const tasksSubmitted = new Counter({
    name: 'visionq_tasks_submitted_total',
    help: 'Tasks accepted and queued (202)',
    registers: [registry],
  });
  const tasksEnded = new Counter({
    name: 'visionq_tasks_ended_total',
    help: 'Tasks ended by this process, by status (succeeded, failed)',
    labelNames: ['status'],
    registers: [registry],
  });
  const authFailures = new Counter({
    name: 'visionq_auth_failures_total',
    help: 'Refused tokens by reason',
    labelNames: ['reason'],
    registers: [registry],
  });
  const publishDuration = new Histogram({
    name: 'visionq_queue_publish_duration_seconds',
    help: 'Time until the broker confirmed a published task',
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5],
    registers: [registry],
  });
  const batchSize = new Histogram({
    name: 'visionq_inference_batch_size',
    help: 'Images per inference batch',
    buckets: [1, 2, 4, 8, 16, 32, 64],
    registers: [registry],
  });
  const taskErrors = new Counter({
    name: 'visionq_task_errors_total',
    help: 'Deliveries handed back to the queue (retried or dead-lettered), by error code',
    labelNames: ['code'],
    registers: [registry],
  });
  const deadLettered = new Counter({
    name: 'visionq_queue_dead_lettered_total',
    help: 'Deliveries this consumer dead-lettered, by reason (poison messages, permanent handler errors)',
    labelNames: ['reason'],
    registers: [registry],
  });
  return {
    registry,
    httpDuration,
    tasksSubmitted,
    tasksEnded,
    authFailures,
    publishDuration,
    batchSize,
    taskErrors,
    deadLettered,
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
