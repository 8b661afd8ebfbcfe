import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * What the API counts, on its own registry (so tests and several apps in one process never collide). An all-in-one
 * process adds the worker loop's metrics (`@visionq/task-processor/metrics`) to the same registry.
 */
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
  const queueFull = new Counter({
    name: 'visionq_api_queue_full_total',
    help: 'Uploads refused with 503 because MAX_QUEUED_TASKS tasks were waiting (early, or by the broker)',
    labelNames: ['by'],
    registers: [registry],
  });
  for (const by of ['api', 'broker']) queueFull.inc({ by }, 0);
  return {
    registry,
    queueFull,
    httpDuration,
    tasksSubmitted,
    authFailures,
    publishDuration,
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
