import type { Notification, Notifier } from '../ports.js';
import type { NotifyTarget, TerminalRecord } from '../schemas.js';
import type { ReceiverStep } from '../memory/notifier.js';
import type { ContractOptions, ContractTestFn } from './types.js';
import { eventually, sleep } from './wait.js';

/** One attempt as the receiver saw it. */
export interface ReceivedNotification {
  /** The notification's id as the receiver read it (e.g. the `webhook-id` header, a data field). */
  id: string;
  taskId: string;
  status: string;
}

/** What a `Notifier` implementation provides to run the contract: the notifier and a receiver it delivers to. */
export interface NotifierHarness {
  /** Configured to give up retrying after `retryTimeMs`, with attempts that time out well within it. */
  notifier: Notifier;
  /** Where the receiver listens, in the notifier's channel. */
  target: NotifyTarget;
  /** A target of another channel, which the notifier must refuse. */
  foreignTarget: NotifyTarget;
  retryTimeMs: number;
  /** The receiver answers its next attempts by `steps`, in order, then accepts every later one. */
  answerNext(steps: readonly ReceiverStep[]): void;
  /** Every attempt that reached the receiver so far, in order. */
  received(): Promise<ReceivedNotification[]>;
  cleanup(): Promise<void>;
}

export type NotifierHarnessFactory = () => Promise<NotifierHarness>;

let sequence = 0;
function notification(target: NotifyTarget): Notification {
  sequence += 1;
  const taskId = `00000000-0000-4000-8000-${String(sequence).padStart(12, '0')}`;
  const at = new Date().toISOString();
  const record: TerminalRecord = {
    task_id: taskId,
    owner: 'alice',
    status: 'succeeded',
    created_at: at,
    updated_at: at,
    completed_at: at,
    model: { name: 'traffic-signs', version: '2' },
    result: {
      label: 'stop',
      confidence: 0.97,
      recognized: true,
      names: { en: 'Stop', es: 'Pare' },
      top_k: [{ label: 'stop', confidence: 0.97, names: { en: 'Stop', es: 'Pare' } }],
    },
  };
  return { id: `task-${taskId}`, target, record, language: 'es' };
}

/** Registers the `Notifier` contract. */
export function notifierContract(
  it: ContractTestFn,
  createHarness: NotifierHarnessFactory,
  options: ContractOptions = {},
): void {
  const withHarness = (body: (h: NotifierHarness) => Promise<void>) => async () => {
    const harness = await createHarness();
    try {
      await body(harness);
    } finally {
      await harness.cleanup();
    }
  };
  const test = (name: string, fn: Parameters<ContractTestFn>[1]) => it(`Notifier: ${name}`, fn, 60_000);

  test('delivers an ended task once, naming the notification, the task and its status', async ({ expect }) =>
    withHarness(async (h) => {
      const sent = notification(h.target);
      const status = await h.notifier.notify(sent);
      expect(status).toMatchObject({ channel: h.notifier.channel, attempts: 1 });
      expect(Date.parse(status.delivered_at ?? '')).not.toBeNaN();
      expect(status.failed_at).toBeUndefined();
      expect(await h.received()).toEqual([{ id: sent.id, taskId: sent.record.task_id, status: 'succeeded' }]);
    })());

  test('retries transient failures under the same id until the receiver takes it', async ({ expect }) =>
    withHarness(async (h) => {
      const sent = notification(h.target);
      h.answerNext(['transient', 'transient']);
      const status = await h.notifier.notify(sent);
      expect(status).toMatchObject({ attempts: 3 });
      expect(status.delivered_at).toBeDefined();
      const received = await h.received();
      expect(received).toHaveLength(3);
      expect(new Set(received.map((r) => r.id))).toEqual(new Set([sent.id]));
    })());

  test('a receiver that never answers is retried like a transient failure', async ({ expect }) =>
    withHarness(async (h) => {
      h.answerNext(['hang']);
      const status = await h.notifier.notify(notification(h.target));
      expect(status).toMatchObject({ attempts: 2 });
      expect(status.delivered_at).toBeDefined();
    })());

  test('a permanent refusal is recorded as failed and never retried', async ({ expect }) =>
    withHarness(async (h) => {
      h.answerNext(['permanent']);
      const status = await h.notifier.notify(notification(h.target));
      expect(status).toMatchObject({ attempts: 1 });
      expect(Date.parse(status.failed_at ?? '')).not.toBeNaN();
      expect(status.delivered_at).toBeUndefined();
      await sleep(Math.min(1_000, h.retryTimeMs));
      expect(await h.received()).toHaveLength(1);
    })());

  test('gives up after its retry time, backing off between attempts', async ({ expect }) =>
    withHarness(async (h) => {
      h.answerNext(Array.from({ length: 10_000 }, () => 'transient' as const));
      const started = Date.now();
      const status = await h.notifier.notify(notification(h.target));
      expect(status.failed_at).toBeDefined();
      expect(Date.now() - started).toBeLessThan(h.retryTimeMs + 10_000);
      // Backoff, not a hot loop: a handful of attempts in the retry time, however long it is.
      expect(status.attempts).toBeGreaterThanOrEqual(2);
      expect(status.attempts).toBeLessThanOrEqual(40);
      expect(await h.received()).toHaveLength(status.attempts);
    })());

  test('an aborted notify rejects and stops retrying', async ({ expect }) =>
    withHarness(async (h) => {
      h.answerNext(Array.from({ length: 10_000 }, () => 'transient' as const));
      const abort = new AbortController();
      const pending = h.notifier.notify(notification(h.target), { signal: abort.signal });
      await eventually(async () => (await h.received()).length >= 1, 10_000, 'a first attempt');
      abort.abort(new Error('stopping'));
      await expect(pending).rejects.toBeDefined();
      const attempts = (await h.received()).length;
      await sleep(1_000);
      expect((await h.received()).length).toBe(attempts);
    })());

  test('refuses a target of another channel without contacting anyone', async ({ expect }) =>
    withHarness(async (h) => {
      await expect(h.notifier.notify(notification(h.foreignTarget))).rejects.toMatchObject({
        code: 'invalid_request',
      });
      expect(await h.received()).toHaveLength(0);
    })());

  test('close() is idempotent', async () =>
    withHarness(async (h) => {
      await h.notifier.close();
      await h.notifier.close();
    })());

  options.additionalTests?.(it);
}
