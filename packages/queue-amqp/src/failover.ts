import { EventEmitter } from 'node:events';
import { connect, type Channel, type ChannelModel, type ConfirmChannel, type Options } from 'amqplib';

export interface FailoverSettings {
  /** The brokers, tried in turn: one node, or every node of a cluster. */
  readonly urls: readonly (string | Options.Connect)[];
  readonly socketOptions: Readonly<Record<string, unknown>>;
  readonly reconnect: { readonly initialDelayMs: number; readonly maxDelayMs: number };
  /** Runs on each new connection before anyone may use it; a rejection counts as a failed attempt. */
  readonly setup: (model: ChannelModel) => Promise<void>;
}

/**
 * One AMQP connection to whichever of several brokers answers, made again whenever it is lost. Each attempt
 * goes round the list once, starting after the node last used, so that a dead node costs one refused (or
 * timed-out) connection, not a wait; only when every node failed does it back off (doubling, ±20 % jitter).
 *
 * amqplib's own recovery reconnects to a single URL, hence this. It emits the events of amqplib's recovering
 * model that the queue listens to: `connect` (model), `disconnect` (error), `connect-failed` (error),
 * `reconnect-scheduled` ({ attempt, delay, error }), `blocked`, `unblocked`, `error`.
 */
export class FailoverConnection extends EventEmitter {
  readonly #settings: FailoverSettings;
  #model: ChannelModel | undefined;
  #waiters: { resolve: (model: ChannelModel) => void; reject: (error: Error) => void }[] = [];
  #next = 0;
  #round = 0;
  #timer: NodeJS.Timeout | undefined;
  #connecting = false;
  #stopped = false;

  constructor(settings: FailoverSettings) {
    super();
    this.#settings = settings;
    // Deferred, so that the caller attaches its listeners before the first event.
    setImmediate(() => void this.#connect());
  }

  async createChannel(): Promise<Channel> {
    return (await this.#connection()).createChannel();
  }

  async createConfirmChannel(): Promise<ConfirmChannel> {
    return (await this.#connection()).createConfirmChannel();
  }

  async close(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    clearTimeout(this.#timer);
    for (const waiter of this.#waiters.splice(0)) waiter.reject(new Error('Connection closed'));
    const model = this.#model;
    this.#model = undefined;
    if (model) await model.close().catch(() => undefined);
  }

  /** The live connection, or the next one: waits through an outage (callers bound the wait themselves). */
  #connection(): Promise<ChannelModel> {
    if (this.#model) return Promise.resolve(this.#model);
    if (this.#stopped) return Promise.reject(new Error('Connection closed'));
    return new Promise((resolve, reject) => this.#waiters.push({ resolve, reject }));
  }

  async #connect(): Promise<void> {
    if (this.#stopped || this.#connecting) return;
    this.#connecting = true;
    let lastError = new Error('no broker to connect to');
    try {
      const { urls } = this.#settings;
      for (let tried = 0; tried < urls.length && !this.#stopped; tried += 1) {
        const index = (this.#next + tried) % urls.length;
        try {
          const model = await this.#open(urls[index] as string | Options.Connect);
          if (this.#stopped) {
            await model.close().catch(() => undefined);
            return;
          }
          this.#next = index;
          this.#round = 0;
          this.#adopt(model);
          return;
        } catch (error) {
          lastError = error instanceof Error ? error : new Error(String(error));
          this.emit('connect-failed', lastError);
        }
      }
    } finally {
      this.#connecting = false;
    }
    this.#schedule(lastError);
  }

  async #open(url: string | Options.Connect): Promise<ChannelModel> {
    const model = await connect(url, this.#settings.socketOptions);
    try {
      model.on('error', () => undefined);
      await this.#settings.setup(model);
      return model;
    } catch (error) {
      await model.close().catch(() => undefined);
      throw error;
    }
  }

  #adopt(model: ChannelModel): void {
    this.#model = model;
    model.removeAllListeners('error');
    model.on('error', (error: Error) => this.emit('error', error));
    model.on('blocked', (reason: string) => this.emit('blocked', reason));
    model.on('unblocked', () => this.emit('unblocked'));
    model.once('close', (cause?: Error) => {
      if (this.#model !== model) return;
      this.#model = undefined;
      if (this.#stopped) return;
      // Start the next attempt with the following node: this one has just failed us.
      this.#next = (this.#next + 1) % this.#settings.urls.length;
      const error = cause ?? new Error('Connection closed');
      this.emit('disconnect', error);
      void this.#connect();
    });
    for (const waiter of this.#waiters.splice(0)) waiter.resolve(model);
    this.emit('connect', model);
  }

  #schedule(error: Error): void {
    if (this.#stopped || this.#timer) return;
    this.#round += 1;
    const { initialDelayMs, maxDelayMs } = this.#settings.reconnect;
    const base = Math.min(maxDelayMs, initialDelayMs * 2 ** (this.#round - 1));
    const delay = Math.round(Math.min(maxDelayMs, base * (0.8 + Math.random() * 0.4)));
    this.emit('reconnect-scheduled', { attempt: this.#round, delay, error });
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.#connect();
    }, delay);
  }
}
