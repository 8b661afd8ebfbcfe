import type { Server } from 'node:http';
import { configureSharp, inspect } from '@visionq/image-preprocess';
import type { Logger } from 'pino';
import { createApp } from './app.js';
import { assertSafeAuth, type Config } from './config.js';
import { createUploadLimiter } from './http/rate-limit.js';
import type { Metrics } from './metrics.js';
import { serve } from './server.js';
import { createVerifier, localTokenFactory, type Infrastructure } from './wiring.js';

export interface StartApiOptions {
  config: Config;
  logger: Logger;
  metrics: Metrics;
  infrastructure: Infrastructure;
  /** Closes what the caller added (the in-process worker in all-in-one mode) before the infrastructure. */
  beforeClose?: () => Promise<void>;
}

/** Builds the API from configuration and serves it until SIGTERM. */
export async function startApi(options: StartApiOptions): Promise<Server> {
  const { config, logger, metrics, infrastructure } = options;
  assertSafeAuth(config);
  configureSharp({
    cache: false,
    ...(config.SHARP_CONCURRENCY > 0 ? { concurrency: config.SHARP_CONCURRENCY } : {}),
  });
  const verifier = createVerifier(config, logger);
  const app = createApp({
    verifier,
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
      uploadBudget: {
        totalBytes: config.UPLOAD_BUDGET_MB * 2 ** 20,
        perUidBytes: config.UPLOAD_BUDGET_PER_UID_MB * 2 ** 20,
      },
      tryPage: config.TRY_PAGE,
      tryPageToken: localTokenFactory(config),
    },
  });
  return serve(app, {
    host: config.HOST,
    port: config.PORT,
    logger,
    shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS,
    close: async () => {
      await options.beforeClose?.();
      await verifier.close();
      await infrastructure.close();
    },
  });
}

/** Runs an entry point: a configuration error is one line on stderr and exit code 1, never a stack trace. */
export function run(main: () => Promise<unknown>): void {
  main().catch((error: unknown) => {
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`visionq: ${message}\n`);
    process.exit(1);
  });
}
