import { Writable } from 'node:stream';
import sharp from 'sharp';
import { afterEach } from 'vitest';
import {
  FakeClassifier,
  InMemoryBroker,
  isTerminal,
  isTransient,
  type Classifier,
  type Consumption,
  InMemoryResultStore,
  InMemoryTaskQueue,
  QueueCeiling,
  StaticTokenVerifier,
  type ResultStore,
  type TaskMessage,
  type TaskQueue,
} from '@visionq/core';
import { BufferPool } from '@visionq/core/buffer-pool';
import { inspect } from '@visionq/image-preprocess';
import { createApp, type AppDeps } from '../src/app.js';
import { createUploadLimiter } from '../src/http/rate-limit.js';
import { createLogger } from '@visionq/service-kit';
import { createMetrics, type Metrics } from '../src/metrics.js';

export const TOKENS = { alice: 'token-alice', bob: 'token-bob' } as const;

export const MODEL = {
  name: 'traffic-signs',
  version: '1',
  labels: [
    { id: 'stop', names: { en: 'Stop', es: 'Pare' } },
    { id: 'speed_limit_50', names: { en: 'Speed limit 50', es: 'Límite de velocidad 50' } },
    { id: 'yield', names: { en: 'Yield', es: 'Ceda el paso' } },
  ],
  // No floor by default: every answer is recognised unless a request asks for one (?min_confidence=).
  noneLabel: { id: 'no_sign', names: { en: 'No sign recognised', es: 'No se reconoce ninguna señal' } },
};

export interface TestService {
  app: ReturnType<typeof createApp>;
  store: ResultStore;
  queue: TaskQueue;
  broker: InMemoryBroker;
  /** Where uploads are read into, as in the all-in-one. */
  uploads: BufferPool;
  logs: string[];
  metrics: Metrics;
  /** The in-process worker; started already unless the service was created with `worker: false`. */
  worker: FakeWorker;
  classifier: FakeClassifier;
  close(): Promise<void>;
}

export interface TestServiceOptions {
  maxUploadBytes?: number;
  /** `MAX_QUEUED_TASKS`; default 1000. */
  maxQueued?: number;
  /** The store's task deadline, ms; default none. */
  taskDeadlineMs?: number;
  rateLimitPerMin?: number;
  worker?: boolean;
  queue?: TaskQueue;
  classifierDelayMs?: number;
  uploadBudget?: { totalBytes: number; perUidBytes: number };
  appCheck?: AppDeps['appCheck'];
  /** What GET /model answers; none by default (404). */
  model?: AppDeps['model'];
  notify?: AppDeps['notify'];
}

/** The API with in-memory queue and store, a fixed token table, and (optionally) a worker loop in-process. */
export async function createTestService(options: TestServiceOptions = {}): Promise<TestService> {
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      logs.push(String(chunk));
      done();
    },
  });
  const broker = new InMemoryBroker();
  // As the all-in-one wires them: uploads in pooled buffers, which the queue holds until each task ended.
  const uploads = new BufferPool({ maxFreeBytes: 64 * 1024 * 1024 });
  const maxQueued = options.maxQueued ?? 1000;
  const queue =
    options.queue ??
    new InMemoryTaskQueue({ broker, copyImages: false, imageHolder: uploads, maxLength: maxQueued });
  const store = new InMemoryResultStore({
    resultTtlMs: 60_000,
    pendingTtlMs: 60_000,
    ...(options.taskDeadlineMs !== undefined && { taskDeadlineMs: options.taskDeadlineMs }),
  });
  const ceiling = new QueueCeiling({ queue, maxQueued });
  const classifier = new FakeClassifier({ model: MODEL, delayMs: options.classifierDelayMs ?? 0 });
  const verifier = new StaticTokenVerifier({ [TOKENS.alice]: 'alice', [TOKENS.bob]: 'bob' });
  const metrics = createMetrics();
  const deps: AppDeps = {
    verifier,
    queue,
    store,
    ceiling,
    inspectImage: (bytes) => inspect(bytes, { maxPixels: 40_000_000 }),
    limitUploads: createUploadLimiter({ perMinute: options.rateLimitPerMin ?? 0 }),
    uploads,
    logger: createLogger('info', 'api', sink),
    metrics,
    ...(options.appCheck ? { appCheck: options.appCheck } : {}),
    ...(options.model ? { model: options.model } : {}),
    ...(options.notify ? { notify: options.notify } : {}),
    settings: {
      maxUploadBytes: options.maxUploadBytes ?? 10 * 1024 * 1024,
      ...(options.uploadBudget ? { uploadBudget: options.uploadBudget } : {}),
      tryPage: true,
      tryPageToken: () => TOKENS.alice,
    },
  };
  const worker = fakeWorker({ queue, store, classifier });
  if (options.worker !== false) await worker.start();
  return {
    app: createApp(deps),
    store,
    queue,
    broker,
    uploads,
    logs,
    metrics,
    worker,
    classifier,
    close: async () => {
      await worker.stop();
      await ceiling.close();
      await Promise.all([queue.close(), store.close(), verifier.close(), classifier.close()]);
    },
  };
}

export interface FakeWorker {
  start(): Promise<void>;
  /** Stops taking tasks and resolves once every task in hand has been stored and acknowledged. */
  stop(): Promise<void>;
}

/**
 * The least of a worker that the API's tests need: for each delivered task, mark it `processing` (a task that
 * already ended is only acknowledged), classify its image, store the outcome, and only then let the queue
 * acknowledge it, with the task's own confidence floor when it has one. Batching, store retries and metrics belong to the real loop, `@visionq/task-processor`, tested
 * in its own package and, behind this API, in the all-in-one's tests.
 */
function fakeWorker(deps: { queue: TaskQueue; store: ResultStore; classifier: Classifier }): FakeWorker {
  const { queue, store, classifier } = deps;
  const model = { name: classifier.model.name, version: classifier.model.version };
  let consumption: Consumption | undefined;
  return {
    async start() {
      consumption ??= await queue.consume(
        async ({ message: { taskId, owner, minConfidence }, image }) => {
          const current = await store.markProcessing(taskId);
          if (current && isTerminal(current.status)) return;
          // The task's own floor (`?min_confidence=`), as the real loop applies it.
          const floor = minConfidence === undefined ? {} : { minConfidence };
          const [classification] = await classifier.classify([image], floor);
          if (!classification) throw new Error('the classifier returned no result');
          if (classification.ok) {
            await store.complete(taskId, owner, {
              status: 'succeeded',
              result: classification.prediction,
              model,
            });
            return;
          }
          // As the real loop: a transient failure goes back to the queue, a permanent one ends the task.
          if (isTransient(classification.error)) throw classification.error;
          const { code, message } = classification.error;
          await store.complete(taskId, owner, { status: 'failed', error: { code, message }, model });
        },
        { prefetch: 8 },
      );
    },
    async stop() {
      const running = consumption;
      consumption = undefined;
      await running?.stop();
    },
  };
}

/** A `createTestService` for the tests of one file, each service closed after its test. */
export function testServices(): (options?: TestServiceOptions) => Promise<TestService> {
  const services: TestService[] = [];
  afterEach(async () => {
    await Promise.all(services.splice(0).map((service) => service.close()));
  });
  return async (options = {}) => {
    const created = await createTestService(options);
    services.push(created);
    return created;
  };
}

export const bearer = (who: keyof typeof TOKENS = 'alice') => ({ Authorization: `Bearer ${TOKENS[who]}` });

export function jpeg(width = 64, height = 48, colour = { r: 200, g: 30, b: 30 }): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: colour } })
    .jpeg()
    .toBuffer();
}

export function png(width = 32, height = 32): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 4, background: { r: 0, g: 0, b: 255, alpha: 0.5 } } })
    .png()
    .toBuffer();
}

/** Noise compresses badly: a JPEG of about `width × height / 2` bytes. */
export function noisyJpeg(width: number, height: number): Promise<Buffer> {
  return sharp({
    create: {
      width,
      height,
      channels: 3,
      background: '#000',
      noise: { type: 'gaussian', mean: 128, sigma: 40 },
    },
  })
    .jpeg({ quality: 90 })
    .toBuffer();
}

/** A real PNG whose header is rewritten to claim 100 000 × 100 000 pixels: a decompression bomb's header. */
export async function pngBombHeader(): Promise<Buffer> {
  const bytes = Buffer.from(await png(1, 1));
  bytes.writeUInt32BE(100_000, 16);
  bytes.writeUInt32BE(100_000, 20);
  bytes.writeUInt32BE(crc32(bytes.subarray(12, 29)), 29);
  return bytes;
}

function crc32(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) {
    crc ^= byte;
    for (let k = 0; k < 8; k += 1) crc = crc & 1 ? (crc >>> 1) ^ 0xedb88320 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

/** The messages the API queued, read off the in-memory queue (no worker runs). */
export async function queued(svc: TestService): Promise<TaskMessage[]> {
  const depth = await svc.queue.depth();
  const messages: TaskMessage[] = [];
  if (depth === 0) return messages;
  let all: () => void = () => undefined;
  const received = new Promise<void>((resolve) => (all = resolve));
  const consumption = await svc.queue.consume(
    async ({ message }) => {
      messages.push(message);
      if (messages.length === depth) all();
    },
    { prefetch: 8 },
  );
  await received;
  await consumption.stop();
  return messages;
}
