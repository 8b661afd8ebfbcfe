import type { Logger } from 'pino';
import type { ImageType, ResultStore, TaskQueue, TokenVerifier } from '@visionq/core';
import type { BufferPool } from '@visionq/core/buffer-pool';
import type { UploadLimiter } from './http/rate-limit.js';
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
  settings: {
    maxUploadBytes: number;
    /** Serve the try-it page at `/`. */
    tryPage: boolean;
    /** A token the try-it page fills in (local auth mode only). */
    tryPageToken?: () => string;
  };
}
