import { pino, type DestinationStream, type Logger } from 'pino';
import { PinoPretty } from 'pino-pretty';

/**
 * Google Cloud Logging reads a `severity` field and nothing else; without it every line shows as DEFAULT. Beside
 * pino's numeric `level`, which pino's own tools read.
 */
const SEVERITY: Record<string, string> = {
  trace: 'DEBUG',
  debug: 'DEBUG',
  info: 'INFO',
  warn: 'WARNING',
  error: 'ERROR',
  fatal: 'CRITICAL',
};

/** `json`: one JSON object a line. `pretty`: pino-pretty's coloured lines, for a person at a terminal. */
export type LogFormat = 'json' | 'pretty';

/**
 * JSON logs, one line each. Tokens and image bytes never reach them: the Authorization header is redacted,
 * request bodies are never logged, and errors are logged by their code and cause, not with the request.
 */
export function createLogger(level: string, app: string, destination: DestinationStream = stdout()): Logger {
  return pino(
    {
      level,
      base: { service: 'visionq', app },
      formatters: { level: (label, number) => ({ level: number, severity: SEVERITY[label] ?? 'DEFAULT' }) },
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
 * `auto` is `pretty` when standard output is a terminal, `json` otherwise (a pipe, a file, a container).
 */
export function stdout(format: LogFormat | 'auto' = 'auto'): DestinationStream {
  const pretty = format === 'pretty' || (format === 'auto' && process.stdout.isTTY === true);
  return pretty
    ? prettyStream(pino.destination({ dest: 1, sync: false }))
    : pino.destination({ dest: 1, sync: false });
}

/** pino-pretty in this process (no worker thread), writing to `destination`; lines that are not JSON pass as they are. */
export function prettyStream(destination: NodeJS.WritableStream | DestinationStream): DestinationStream {
  return PinoPretty({
    destination,
    colorize: process.stdout.isTTY === true,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname,service,severity',
  });
}
