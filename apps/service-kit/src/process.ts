import type { Logger } from 'pino';
import { countBuffersInHeapLimit } from './gc.js';

/**
 * Runs an entry point: a failure to start is one line on stderr (`visionq worker: …` with `name`) and exit code
 * 1, never a stack trace. Garbage collection is tuned for image bytes first (`countBuffersInHeapLimit`).
 */
export function run(main: () => Promise<unknown>, name?: string): void {
  countBuffersInHeapLimit();
  main().catch((error: unknown) => {
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`visionq${name ? ` ${name}` : ''}: ${message}\n`);
    process.exit(1);
  });
}

/**
 * On SIGTERM or SIGINT (Ctrl-C), once: `stop`, then exit 0 (1 if stopping failed). A second signal while
 * stopping is ignored: stopping is already bounded by `SHUTDOWN_TIMEOUT_MS`.
 */
export function stopOnSignal(logger: Logger, stop: () => Promise<void>): void {
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    try {
      await stop();
      logger.info('stopped');
      process.exit(0);
    } catch (error) {
      logger.error({ err: error }, 'shutdown failed');
      process.exit(1);
    }
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}
