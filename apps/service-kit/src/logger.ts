import { pino, type DestinationStream, type Logger } from 'pino';

/**
 * JSON logs, one line each (`pino-pretty` reads them comfortably). Tokens and image bytes never reach them: the
 * Authorization header is redacted, request bodies are never logged, and errors are logged by their code and
 * cause, not with the request.
 */
export function createLogger(level: string, app: string, destination: DestinationStream = stdout()): Logger {
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
    destination,
  );
}

/**
 * Standard output, written asynchronously: on Linux, writes to a stdout pipe block the event loop while the
 * reader is slow. A process that also prints a line for people writes it here, after its logs, in order.
 */
export function stdout(): DestinationStream {
  return pino.destination({ dest: 1, sync: false });
}
