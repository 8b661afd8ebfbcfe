import { Agent, type ClientRequestArgs } from 'node:http';
import type { Duplex } from 'node:stream';

/**
 * An HTTP agent that connects only to the one emulator host it was made for. firebase-admin takes the emulator
 * address from the environment variables of the process, which this package may not read; routing its
 * requests through this agent makes the configured `emulatorHost` the only place they can go.
 */
export class EmulatorOnlyAgent extends Agent {
  readonly #hostname: string;
  readonly #port: string;

  constructor(emulatorHost: string) {
    super({ keepAlive: true });
    const { hostname, port } = parseEmulatorHost(emulatorHost);
    this.#hostname = hostname;
    this.#port = port;
  }

  override createConnection(
    options: ClientRequestArgs,
    callback?: (err: Error | null, stream: Duplex) => void,
  ): Duplex | null | undefined {
    const hostname = String(options.hostname ?? options.host ?? '').toLowerCase();
    if (hostname !== this.#hostname || String(options.port ?? '80') !== this.#port) {
      const error = new Error(
        `firebase-admin tried to reach ${hostname}:${options.port ?? 80}, not the configured emulatorHost ` +
          `${this.#hostname}:${this.#port}; FIREBASE_AUTH_EMULATOR_HOST must name the same emulator`,
      );
      // Reported through the request's 'error' event, as a failed connection would be.
      process.nextTick(() => callback?.(error, undefined as unknown as Duplex));
      return undefined;
    }
    return super.createConnection(options, callback);
  }
}

export function parseEmulatorHost(emulatorHost: unknown): { hostname: string; port: string } {
  if (
    typeof emulatorHost !== 'string' ||
    !/^[^/\s:]+:\d{1,5}$|^\[[0-9a-f:.]+\]:\d{1,5}$/i.test(emulatorHost)
  ) {
    throw new TypeError(
      "emulatorHost must be 'host:port', as in FIREBASE_AUTH_EMULATOR_HOST (e.g. 127.0.0.1:9099)",
    );
  }
  const url = new URL(`http://${emulatorHost}`);
  return { hostname: url.hostname.replace(/^\[|\]$/g, '').toLowerCase(), port: url.port || '80' };
}
