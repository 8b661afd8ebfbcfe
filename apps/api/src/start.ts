import type { Server } from 'node:http';
import { QueueCeiling } from '@visionq/core';
import { configureSharp, inspect } from '@visionq/image-preprocess';
import type { Infrastructure } from '@visionq/service-kit';
import type { Logger } from 'pino';
import { createApp } from './app.js';
import { assertSafeAuth, type Config } from './config.js';
import { createUploadLimiter } from './http/rate-limit.js';
import type { Metrics } from './metrics.js';
import { listen } from './server.js';
import { createVerifier, localTokenFactory } from './verifier.js';

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
  configureSharp({
    cache: false,
    ...(config.SHARP_CONCURRENCY > 0 ? { concurrency: config.SHARP_CONCURRENCY } : {}),
  });
  const verifier = createVerifier(config, logger);
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
    settings: {
      maxUploadBytes: config.MAX_UPLOAD_BYTES,
      tryPage: config.TRY_PAGE,
      tryPageToken: localTokenFactory(config),
    },
  });
  const http = await listen(app, { host: config.HOST, port: config.PORT }).catch(async (error: unknown) => {
    await ceiling.close();
    await verifier.close();
    throw error;
  });
  logger.info({ url: http.url }, 'listening');
  return {
    server: http.server,
    url: http.url,
    async stop() {
      await http.close(config.SHUTDOWN_TIMEOUT_MS);
      await ceiling.close();
      await verifier.close();
    },
  };
}

/** The one line a person reads once the API serves: where, the try-it page, the API description. */
export function servingLine(url: string, config: Pick<Config, 'TRY_PAGE'>): string {
  const tryIt = config.TRY_PAGE ? `try it at ${url}/, ` : '';
  return `visionq is serving on ${url}: ${tryIt}API description at ${url}/openapi.json (Ctrl-C stops it)\n`;
}
