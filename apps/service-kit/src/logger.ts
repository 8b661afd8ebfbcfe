import { pino, type Logger } from 'pino';

/**
 * JSON logs, one line each (`pino-pretty` reads them comfortably). Tokens and image bytes never reach them: the
 * Authorization header is redacted, request bodies are never logged, and errors are logged by their code and
 * cause, not with the request.
 */
export function createLogger(level: string, app: string, destination?: NodeJS.WritableStream): Logger {
  return pino(
    {
      level,
      base: { service: 'visionq', app },
      redact: {
        paths: [
          'req.headers.authorization',
          'req.headers.cookie',
          'headers.authorization',
          'token',
          '*.token',
        ],
        censor: '[redacted]',
      },
    },
    // Asynchronous writes: on Linux, writes to a stdout pipe block the event loop while the reader is slow.
    destination ?? pino.destination({ dest: 1, sync: false }),
  );
}
