import type { Logger } from 'pino';
import type { AppCheckVerifier, ImageType, ResultStore, TaskQueue, TokenVerifier } from '@visionq/core';
import type { BufferPool } from '@visionq/core/buffer-pool';
import type { UploadLimiter } from './http/rate-limit.js';
import type { UploadBudgetOptions } from './http/upload-budget.js';
import type { Metrics } from './metrics.js';

export interface ImageInfo {
  type: ImageType;
  width: number;
  height: number;
}

/** Everything the HTTP API needs, built by the entry point that wires it. */
export interface ApiDeps {
  verifier: TokenVerifier;
  queue: TaskQueue;
  store: ResultStore;
  /** Header-only sniffing: type by magic bytes, dimensions, pixel limit. Throws typed errors. */
  inspectImage: (bytes: Uint8Array) => Promise<ImageInfo>;
  limitUploads: UploadLimiter;
  /** Where uploads are read into; the queue retains what it keeps (wiring.ts). */
  uploads: BufferPool;
  logger: Logger;
  metrics: Metrics;
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
