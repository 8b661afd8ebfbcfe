import { randomUUID } from 'node:crypto';
import {
  isTerminal,
  isTransient,
  type ClaimedEntry,
  type NotificationChannel,
  type NotificationOutbox,
  type NotificationStatus,
  type Notifier,
  type OutboxEntry,
  type ResultStore,
  type TerminalRecord,
} from '@visionq/core';
import { DEFAULT_RETRY, retryTransient, type RetryPolicy } from './retry.js';

export interface NotificationDispatcherOptions {
  outbox: NotificationOutbox;
  store: ResultStore;
  /** One notifier per channel served. An entry for a channel without one is recorded as failed. */
  notifiers: readonly Notifier[];
  /** Names this process among the outbox's consumers; unique per process. Default a random UUID. */
  consumer?: string;
  /** Notifications being sent at once. Default 32. */
  concurrency?: number;
  /**
   * Notifications being sent at once to one receiver (a webhook's host; FCM counts as one), so that a receiver
   * that never answers holds only these slots while it is retried. Default a quarter of `concurrency`.
   */
  perReceiver?: number;
  /** How long to wait before looking at an empty outbox again, in milliseconds. Default 250. */
  pollIntervalMs?: number;
  /** How store reads and writes are retried during an outage. */
  retry?: Partial<RetryPolicy>;
  /** On `stop()`, how long sends in progress may finish before they are abandoned (and offered again). Default 5 s. */
  stopGraceMs?: number;
  /** Observers, for logs and metrics. They must not throw. */
  events?: NotificationDispatcherEvents;
}

export interface NotificationDispatcherEvents {
  /** What became of one notification, as written into its task's record. */
  notified?(taskId: string, status: NotificationStatus): void;
  /** An entry dropped unsent: its task's record is gone (expired, deleted) or was cancelled. */
  dropped?(taskId: string, channel: NotificationChannel): void;
  /** Something failed around a send (the outbox or the store was unreachable); the entry is offered again. */
  error?(error: unknown, taskId?: string): void;
}

export interface NotificationDispatcher {
  start(): void;
  /** Stops claiming; resolves once sends in progress have ended or, after the grace period, been abandoned. */
  stop(): Promise<void>;
}

/**
 * Sends what the outbox holds: claims entries, reads each task's record, hands it to the notifier of its
 * channel, writes what became of it into the record, then settles the entry. A process that dies mid-send
 * leaves the entry claimed; the outbox offers it again after its idle time, so it is sent at least once.
 */
export function createNotificationDispatcher(options: NotificationDispatcherOptions): NotificationDispatcher {
  const { outbox, store, events = {} } = options;
  const consumer = options.consumer ?? randomUUID();
  const concurrency = options.concurrency ?? 32;
  const perReceiver = options.perReceiver ?? Math.max(1, Math.floor(concurrency / 4));
  const pollIntervalMs = options.pollIntervalMs ?? 250;
  if (
    !Number.isSafeInteger(concurrency) ||
    concurrency < 1 ||
    !Number.isSafeInteger(perReceiver) ||
    perReceiver < 1
  )
    throw new RangeError('concurrency and perReceiver must be positive integers');
  const retry: RetryPolicy = { ...DEFAULT_RETRY, ...options.retry };
  const notifiers = new Map(options.notifiers.map((notifier) => [notifier.channel, notifier]));
  const stopping = new AbortController();
  /** Sends in progress, by receiver. */
  const busy = new Map<string, number>();
  /** Claimed entries whose receiver has no free slot, by receiver. */
  const waiting = new Map<string, ClaimedEntry[]>();
  let waitingCount = 0;
  let running = 0;
  let loop: Promise<void> | undefined;
  let stopClaiming = false;
  let wake: (() => void) | undefined;

  const send = async ({ receipt, entry }: ClaimedEntry): Promise<void> => {
    const { taskId, target } = entry;
    try {
      const record = await retryTransient(() => store.get(taskId), retry, stopping.signal);
      if (!record || !isTerminal(record.status) || record.status === 'cancelled') {
        events.dropped?.(taskId, target.channel);
      } else {
        const status = await deliver(entry, record as TerminalRecord);
        await retryTransient(() => store.recordNotification(taskId, status), retry, stopping.signal).catch(
          (error: unknown) => events.error?.(error, taskId),
        );
        events.notified?.(taskId, status);
      }
      await outbox.settle(receipt);
    } catch (error) {
      if (stopping.signal.aborted) return;
      events.error?.(error, taskId);
      // A transient failure leaves it claimed: the outbox offers it again after its idle time. A permanent one
      // (a corrupt record) would fail the same way every time: it is dropped.
      if (!isTransient(error)) await outbox.settle(receipt).catch(() => undefined);
    }
  };

  const deliver = async (entry: OutboxEntry, record: TerminalRecord): Promise<NotificationStatus> => {
    const notifier = notifiers.get(entry.target.channel);
    if (!notifier) return { channel: entry.target.channel, attempts: 0, failed_at: new Date().toISOString() };
    // The record as its owner reads it: what an earlier attempt recorded is not part of the news.
    const { notification: _, ...task } = record;
    return notifier.notify(
      {
        id: entry.id,
        target: entry.target,
        record: task as TerminalRecord,
        ...(entry.language && { language: entry.language }),
      },
      { signal: stopping.signal },
    );
  };

  const launch = (claimed: ClaimedEntry): void => {
    const receiver = receiverOf(claimed.entry);
    if ((busy.get(receiver) ?? 0) >= perReceiver) {
      waiting.set(receiver, [...(waiting.get(receiver) ?? []), claimed]);
      waitingCount += 1;
      return;
    }
    busy.set(receiver, (busy.get(receiver) ?? 0) + 1);
    running += 1;
    void send(claimed).finally(() => {
      running -= 1;
      const left = (busy.get(receiver) ?? 1) - 1;
      if (left === 0) busy.delete(receiver);
      else busy.set(receiver, left);
      const next = waiting.get(receiver)?.shift();
      if (waiting.get(receiver)?.length === 0) waiting.delete(receiver);
      if (next) {
        waitingCount -= 1;
        launch(next);
      }
      wake?.();
    });
  };

  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        wake = undefined;
        resolve();
      }
      wake = done;
    });

  const run = async () => {
    while (!stopClaiming) {
      // Entries held for a saturated receiver are bounded too: past that, nothing more is claimed.
      const room = Math.min(concurrency - running, concurrency * 8 - waitingCount);
      if (room <= 0) {
        await pause(pollIntervalMs);
        continue;
      }
      let claimed: ClaimedEntry[] = [];
      try {
        claimed = await outbox.claim(consumer, room);
      } catch (error) {
        events.error?.(error);
      }
      for (const entry of claimed) launch(entry);
      if (claimed.length < room) await pause(pollIntervalMs);
    }
  };

  return {
    start() {
      loop ??= run();
    },
    async stop() {
      const started = loop;
      if (!started) return;
      const graceMs = options.stopGraceMs ?? 5_000;
      const until = Date.now() + graceMs;
      // Stop claiming at once; let sends in progress end within the grace period.
      stopClaiming = true;
      wake?.();
      await started;
      while (running > 0 && Date.now() < until) await pause(Math.min(50, until - Date.now()));
      stopping.abort();
    },
  };
}

/** Who receives a target: a webhook's host (one server, however many paths), or FCM as a whole. */
function receiverOf(entry: OutboxEntry): string {
  const { target } = entry;
  return target.channel === 'webhook' ? `webhook:${new URL(target.url).host}` : target.channel;
}
