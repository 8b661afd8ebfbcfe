import type { Server } from 'node:http';
import { QueueCeiling } from '@visionq/core';
import { configureSharp, inspect } from '@visionq/image-preprocess';
import { bundledModelPath, serveConfiguredMetrics, type Infrastructure } from '@visionq/service-kit';
import type { Logger } from 'pino';
import { createApp } from './app.js';
import { assertSafeAuth, type Config } from './config.js';
import { createUploadLimiter } from './http/rate-limit.js';
import type { Metrics } from './metrics.js';
import { loadServedModel } from './model.js';
import { notifyOptions } from './notify.js';
import { listen } from './server.js';
import { createAppCheck, createVerifier, localTokenFactory } from './verifier.js';

export interface ApiStartDeps {
  config: Config;
  logger: Logger;
  metrics: Metrics;
  /** Queue, store and upload buffers: the caller opened them and closes them after `stop()`. */
  infrastructure: Pick<Infrastructure, 'queue' | 'store' | 'uploads' | 'redis'>;
}

export interface RunningApi {
  server: Server;
  /** `http://host:port`. */
  url: string;
  /** Where Prometheus scrapes the API (`API_METRICS_PORT`); `undefined` when it is 0. */
  metricsUrl: string | undefined;
  /** Stops taking requests, lets those in flight finish (up to `SHUTDOWN_TIMEOUT_MS`), closes the verifier. */
  stop(): Promise<void>;
}

/** Builds the API from its configuration and serves it. */
export async function startApi({
  config,
  logger,
  metrics,
  infrastructure,
}: ApiStartDeps): Promise<RunningApi> {
  assertSafeAuth(config);
  const model = await loadServedModel(config.MODEL_PATH ?? bundledModelPath());
  configureSharp({
    cache: false,
    ...(config.SHARP_CONCURRENCY > 0 ? { concurrency: config.SHARP_CONCURRENCY } : {}),
  });
  const verifier = createVerifier(config, logger);
  const appCheck = createAppCheck(config);
  const ceiling = new QueueCeiling({ queue: infrastructure.queue, maxQueued: config.MAX_QUEUED_TASKS });
  // A queue already full at start-up is refused from the first request; unreachable, the broker decides.
  await ceiling.refresh().catch(() => undefined);
  const app = createApp({
    verifier,
    ceiling,
    queue: infrastructure.queue,
    store: infrastructure.store,
    inspectImage: (bytes) => inspect(bytes, { maxPixels: config.MAX_PIXELS }),
    uploads: infrastructure.uploads,
    limitUploads: createUploadLimiter({
      perMinute: config.RATE_LIMIT_PER_MIN,
      redis: infrastructure.redis && { client: infrastructure.redis, keyPrefix: config.REDIS_PREFIX },
    }),
    logger,
    metrics,
    model,
    ...(appCheck ? { appCheck } : {}),
    notify: notifyOptions(config),
    settings: {
      maxUploadBytes: config.MAX_UPLOAD_BYTES,
      uploadBudget: {
        totalBytes: config.UPLOAD_BUDGET_MB * 2 ** 20,
        perUidBytes: config.UPLOAD_BUDGET_PER_UID_MB * 2 ** 20,
      },
      tryPage: config.TRY_PAGE,
      tryPageToken: localTokenFactory(config),
    },
  });
  const metricsServer = await serveConfiguredMetrics(metrics.registry, {
    host: config.API_METRICS_HOST,
    port: config.API_METRICS_PORT,
    portVariable: 'API_METRICS_PORT',
  }).catch(async (error: unknown) => {
    await Promise.all([ceiling.close(), verifier.close(), appCheck?.verifier.close()]);
    throw error;
  });
  const http = await listen(app, { host: config.HOST, port: config.PORT }).catch(async (error: unknown) => {
    await Promise.all([
      ceiling.close(),
      verifier.close(),
      appCheck?.verifier.close(),
      metricsServer?.close(),
    ]);
    throw error;
  });
  logger.info({ url: http.url, docs: `${http.url}/docs`, metrics: metricsServer?.url ?? 'off' }, 'listening');
  return {
    server: http.server,
    url: http.url,
    metricsUrl: metricsServer?.url,
    async stop() {
      await http.close(config.SHUTDOWN_TIMEOUT_MS);
      await ceiling.close();
      await Promise.all([verifier.close(), appCheck?.verifier.close()]);
      // Last, so that a final scrape still sees the counts.
      await metricsServer?.close();
    },
  };
}

/** The one line a person reads once the API serves: where, the try-it page, the API description. */
export function servingLine(url: string, config: Pick<Config, 'TRY_PAGE'>): string {
  const tryIt = config.TRY_PAGE ? `try it at ${url}/, ` : '';
  return `visionq is serving on ${url}: ${tryIt}API reference at ${url}/docs, OpenAPI at ${url}/openapi.json (Ctrl-C stops it)\n`;
}
