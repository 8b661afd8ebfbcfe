import { configureSharp } from '@visionq/image-preprocess';
import type { ResultStore, TaskQueue } from '@visionq/core';
import { createOnnxClassifier } from '@visionq/onnx-classifier';
import { createTaskProcessor } from '@visionq/task-processor';
import { observeTaskProcessor, type TaskProcessorMetrics } from '@visionq/task-processor/metrics';
import type { Logger } from 'pino';
import type { WorkerSettings } from './config.js';

export interface WorkerStartDeps {
  config: WorkerSettings;
  logger: Logger;
  /** Queue and store: the caller opened them and closes them after `stop()`. */
  queue: TaskQueue;
  store: ResultStore;
  metrics: TaskProcessorMetrics;
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
}: WorkerStartDeps): Promise<StartedWorker> {
  configureSharp({
    cache: false,
    ...(config.SHARP_CONCURRENCY > 0 ? { concurrency: config.SHARP_CONCURRENCY } : {}),
  });
  const classifier = await createOnnxClassifier({
    modelPath: config.MODEL_PATH,
    workers: config.INFERENCE_WORKERS,
    ...(config.INFERENCE_THREADS > 0 ? { intraOpNumThreads: config.INFERENCE_THREADS } : {}),
    maxBatch: config.WORKER_MAX_BATCH,
    maxPixels: config.MAX_PIXELS,
  });
  const processor = createTaskProcessor({
    queue,
    store,
    classifier,
    prefetch: config.WORKER_PREFETCH,
    maxBatch: config.WORKER_MAX_BATCH,
    maxDelayMs: config.WORKER_MAX_DELAY_MS,
    stopGraceMs: config.SHUTDOWN_TIMEOUT_MS,
    events: observeTaskProcessor(logger, metrics),
  });
  try {
    await processor.start();
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
        await classifier.close();
      })()),
  };
}
