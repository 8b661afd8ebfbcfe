import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import express, { type Express } from 'express';
import helmet from 'helmet';
import { pinoHttp } from 'pino-http';
import type { Logger } from 'pino';
import {
  NotFoundError,
  type AppCheckVerifier,
  type QueueCeiling,
  type ResultStore,
  type TaskQueue,
  type TokenVerifier,
} from '@visionq/core';
import type { BufferPool } from '@visionq/core/buffer-pool';
import type { ImageInfo } from '@visionq/image-preprocess';
import { requireAppCheck } from './http/app-check.js';
import { requireUser } from './http/auth.js';
import { errorHandler } from './http/errors.js';
import type { NotifyOptions } from './http/notify-target.js';
import { docsRoutes } from './routes/docs.js';
import type { UploadLimiter } from './http/rate-limit.js';
import type { UploadBudgetOptions } from './http/upload-budget.js';
import type { Metrics } from './metrics.js';
import type { ServedModel } from './model.js';
import { cancelRoute } from './routes/cancel.js';
import { modelRoute } from './routes/model.js';
import { opsRoutes } from './routes/ops.js';
import { predictRoute } from './routes/predict.js';
import { resultRoute } from './routes/result.js';
import { tryPageRoutes } from './routes/try-page.js';

/** Everything the HTTP API needs, built by whoever starts it (`startApi`, or a test). */
export interface AppDeps {
  verifier: TokenVerifier;
  queue: TaskQueue;
  store: ResultStore;
  /** Refuses uploads beyond `MAX_QUEUED_TASKS` before their body is read. */
  ceiling: QueueCeiling;
  /** Header-only sniffing: type by magic bytes, dimensions, pixel limit. Throws typed errors. */
  inspectImage: (bytes: Uint8Array) => Promise<ImageInfo>;
  limitUploads: UploadLimiter;
  /** Where uploads are read into; the queue retains what it keeps. */
  uploads: BufferPool;
  logger: Logger;
  metrics: Metrics;
  /** What GET /model answers (from the model's metadata file); 404 without one. */
  model?: ServedModel;
  /** Who may be told when a task ends: device tokens (FCM) and callback URLs. Absent: neither. */
  notify?: NotifyOptions;
  /** Firebase App Check on uploads; none when absent (`APP_CHECK=off`). */
  appCheck?: { mode: 'optional' | 'required'; verifier: AppCheckVerifier };
  settings: {
    maxUploadBytes: number;
    /** Bytes of uploads received at once, in all and per uid (default: `DEFAULT_UPLOAD_BUDGET`). */
    uploadBudget?: UploadBudgetOptions;
    /** Serve the try-it page at `/`. */
    tryPage: boolean;
    /** A token the try-it page fills in (local auth mode only). */
    tryPageToken?: () => string;
  };
}

/** The try-it page's files, beside this module's folder both in `src/` and, bundled, in `dist/`. */
const PUBLIC_DIR = fileURLToPath(new URL('../public', import.meta.url));
const DOCS_DIR = fileURLToPath(new URL('../docs-page', import.meta.url));

/** The HTTP API as an express app. Wiring only: every behaviour lives in a route, middleware or package. */
export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', false);
  app.use(
    pinoHttp({
      logger: deps.logger,
      genReqId: (req, res) => {
        const given = req.headers['x-request-id'];
        const id = typeof given === 'string' && /^[\w-]{1,64}$/.test(given) ? given : randomUUID();
        res.setHeader('X-Request-Id', id);
        return id;
      },
      customLogLevel: (_req, res, error) => (error || res.statusCode >= 500 ? 'error' : 'info'),
      // Only what is safe to keep: never headers (tokens), never bodies (images), never query strings.
      serializers: {
        req: (req: { id: unknown; method: string; url: string }) => ({
          id: req.id,
          method: req.method,
          url: withoutQuery(req.url),
        }),
        res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
      },
    }),
  );
  app.use(helmet());
  app.use((req, res, next) => {
    const end = deps.metrics.httpDuration.startTimer({ method: req.method });
    res.once('finish', () =>
      end({
        route:
          (req.route?.path as string | undefined) ?? (res.locals.route as string | undefined) ?? 'unmatched',
        status: res.statusCode,
      }),
    );
    next();
  });

  app.use(opsRoutes(deps));
  app.use(modelRoute(deps));
  const authenticated = requireUser(deps.verifier, deps.metrics);
  app.use('/predict', authenticated);
  if (deps.appCheck)
    app.use('/predict', requireAppCheck(deps.appCheck.mode, deps.appCheck.verifier, deps.metrics));
  app.use('/result', authenticated);
  app.use(predictRoute(deps));
  app.use(resultRoute(deps));
  app.use(cancelRoute(deps));
  // Last: its static files cost a file-system call on libuv's pool, where image decoding queues; API requests
  // must never wait behind that.
  app.use(docsRoutes(DOCS_DIR));
  if (deps.settings.tryPage) app.use(tryPageRoutes(deps, PUBLIC_DIR));
  app.use(() => {
    throw new NotFoundError('no such route');
  });
  app.use(errorHandler());
  return app;
}

/** Query strings may carry credentials (`?access_token=`, sent by some clients): logs keep the path only. */
function withoutQuery(url: string): string {
  const query = url.indexOf('?');
  return query === -1 ? url : `${url.slice(0, query)}?[redacted]`;
}
