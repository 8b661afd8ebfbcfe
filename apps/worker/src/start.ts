import { configureSharp, containerMemoryLimit, decodeBudgetFor } from '@visionq/image-preprocess';
import type { ResultStore, TaskQueue } from '@visionq/core';
import { createOnnxClassifier } from '@visionq/onnx-classifier';
import { createNotificationDispatcher, createTaskProcessor } from '@visionq/task-processor';
import {
  observeNotificationDispatcher,
  observeTaskProcessor,
  recordModel,
  type NotificationMetrics,
  type TaskProcessorMetrics,
} from '@visionq/task-processor/metrics';
import type { Logger } from 'pino';
import type { WorkerSettings } from './config.js';
import type { NotifyDeps } from './notify.js';

export interface WorkerStartDeps {
  config: WorkerSettings;
  logger: Logger;
  /** Queue and store: the caller opened them and closes them after `stop()`. */
  queue: TaskQueue;
  store: ResultStore;
  metrics: TaskProcessorMetrics;
  /**
   * Ended tasks that name someone to notify owe it to `outbox` before their message is acknowledged; a
   * dispatcher sends what it holds through `notifiers`. The caller opened them and closes them after `stop()`.
   */
  notify?: NotifyDeps & { metrics: NotificationMetrics };
}

export interface StartedWorker {
  model: { name: string; version: string };
  /** Stops taking tasks, finishes those in hand (up to `SHUTDOWN_TIMEOUT_MS`), closes the classifier. */
  stop(): Promise<void>;
}

/** Loads the model and consumes tasks from `queue`, classifying them in batches into `store`. */
export async function startWorker({
  config,
  logger,
  queue,
  store,
  metrics,
  notify,
}: WorkerStartDeps): Promise<StartedWorker> {
  configureSharp({
    cache: false,
    ...(config.SHARP_CONCURRENCY > 0 ? { concurrency: config.SHARP_CONCURRENCY } : {}),
  });
  const decodeMemoryBudget =
    config.DECODE_MEMORY_BUDGET_MB === undefined
      ? decodeBudgetFor(await containerMemoryLimit())
      : config.DECODE_MEMORY_BUDGET_MB * 2 ** 20;
  logger.info({ decode_memory_budget_mb: Math.round(decodeMemoryBudget / 2 ** 20) }, 'decode memory budget');
  const classifier = await createOnnxClassifier({
    modelPath: config.MODEL_PATH,
    workers: config.INFERENCE_WORKERS,
    ...(config.INFERENCE_THREADS > 0 ? { intraOpNumThreads: config.INFERENCE_THREADS } : {}),
    maxBatch: config.WORKER_MAX_BATCH,
    maxPixels: config.MAX_PIXELS,
    decodeMemoryBudget,
  });
  recordModel(metrics, classifier.model);
  const processor = createTaskProcessor({
    queue,
    store,
    classifier,
    prefetch: config.WORKER_PREFETCH,
    maxBatch: config.WORKER_MAX_BATCH,
    maxDelayMs: config.WORKER_MAX_DELAY_MS,
    stopGraceMs: config.SHUTDOWN_TIMEOUT_MS,
    ...(notify && { outbox: notify.outbox }),
    events: observeTaskProcessor(logger, metrics),
  });
  // Sends run beside classification, never in its way: a task's message waits only for its outbox entry.
  const dispatcher =
    notify &&
    createNotificationDispatcher({
      outbox: notify.outbox,
      store,
      notifiers: notify.notifiers,
      concurrency: config.NOTIFY_CONCURRENCY,
      perReceiver: Math.min(config.NOTIFY_PER_RECEIVER, config.NOTIFY_CONCURRENCY),
      stopGraceMs: Math.min(5_000, config.SHUTDOWN_TIMEOUT_MS),
      events: observeNotificationDispatcher(logger, notify.metrics),
    });
  try {
    await processor.start();
    dispatcher?.start();
  } catch (error) {
    await classifier.close();
    throw error;
  }
  let stopping: Promise<void> | undefined;
  return {
    model: { name: classifier.model.name, version: classifier.model.version },
    stop: () =>
      (stopping ??= (async () => {
        await processor.stop();
        await dispatcher?.stop();
        await classifier.close();
      })()),
  };
}
