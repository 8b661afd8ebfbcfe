import { ConflictError, CorruptRecordError, InvalidRequestError, UnavailableError } from '../errors.js';
import type { ResultStore } from '../ports.js';
import type { ResultRecord } from '../schemas.js';
import { failed, pendingRecord, succeeded } from './fixtures.js';
import type { ContractOptions, ContractTestFn } from './types.js';
import { sleep } from './wait.js';

export interface ResultStoreHarnessOptions {
  resultTtlMs: number;
  pendingTtlMs: number;
  /** A task not ended this long after it was accepted fails with `deadline_exceeded`. Default none. */
  taskDeadlineMs?: number;
}

/** What a `ResultStore` implementation provides to run the contract: isolated storage per call. */
export interface ResultStoreHarness {
  store: ResultStore;
  /** Another client on the same storage, as a second process would hold. */
  connect(): Promise<ResultStore>;
  /** Writes raw text where the record of `taskId` lives, as a bug or another program could. */
  writeRaw(taskId: string, text: string): Promise<void>;
  /** Closes every client and removes what the harness wrote. */
  cleanup(): Promise<void>;
}

export type ResultStoreHarnessFactory = (options: ResultStoreHarnessOptions) => Promise<ResultStoreHarness>;

const TIMEOUT = 20_000;
const LONG = { resultTtlMs: 60_000, pendingTtlMs: 120_000 };
const DEADLINE = { ...LONG, taskDeadlineMs: 1_000 };

/** Registers the `ResultStore` contract: every promise the port makes, each with its failing path. */
export function resultStoreContract(
  it: ContractTestFn,
  createHarness: ResultStoreHarnessFactory,
  options: ContractOptions = {},
): void {
  const withHarness =
    (ttl: ResultStoreHarnessOptions, body: (h: ResultStoreHarness, store: ResultStore) => Promise<void>) =>
    async () => {
      const harness = await createHarness(ttl);
      try {
        await body(harness, harness.store);
      } finally {
        await harness.cleanup();
      }
    };
  const test = (name: string, fn: Parameters<ContractTestFn>[1]) => it(`ResultStore: ${name}`, fn, TIMEOUT);

  test('create then get returns the record; an unknown id reads as undefined', async ({ expect }) =>
    withHarness(LONG, async (_h, store) => {
      const record = pendingRecord();
      expect(await store.create(record)).toEqual({ created: true, record });
      expect(await store.get(record.task_id)).toEqual(record);
      expect(await store.get(pendingRecord().task_id)).toBeUndefined();
    })());

  test('create rejects an invalid record and writes nothing', async ({ expect }) =>
    withHarness(LONG, async (_h, store) => {
      const record = pendingRecord();
      await expect(store.create({ ...record, owner: '' })).rejects.toBeInstanceOf(InvalidRequestError);
      expect(await store.get(record.task_id)).toBeUndefined();
    })());

  test('create refuses a task id that already exists', async ({ expect }) =>
    withHarness(LONG, async (_h, store) => {
      const record = pendingRecord();
      await store.create(record);
      await expect(store.create(record)).rejects.toBeInstanceOf(ConflictError);
    })());

  test('markProcessing moves queued to processing, and reports a missing task as undefined', async ({
    expect,
  }) =>
    withHarness(LONG, async (_h, store) => {
      const record = pendingRecord();
      await store.create(record);
      expect(await store.markProcessing(record.task_id)).toMatchObject({ status: 'processing' });
      expect(await store.get(record.task_id)).toMatchObject({ status: 'processing', owner: record.owner });
      expect(await store.markProcessing(pendingRecord().task_id)).toBeUndefined();
    })());

  test('complete stores the outcome with completion time; failed outcomes keep their error', async ({
    expect,
  }) =>
    withHarness(LONG, async (_h, store) => {
      const ok = pendingRecord();
      const bad = pendingRecord();
      await store.create(ok);
      await store.create(bad);
      const done = await store.complete(ok.task_id, ok.owner, succeeded('stop', 0.9));
      expect(done).toMatchObject({
        status: 'succeeded',
        result: { label: 'stop' },
        created_at: ok.created_at,
      });
      expect(await store.get(ok.task_id)).toEqual(done);
      const fail = await store.complete(bad.task_id, bad.owner, failed('invalid_image'));
      expect(fail).toMatchObject({ status: 'failed', error: { code: 'invalid_image' } });
      expect(fail.status === 'failed' && typeof fail.completed_at).toBe('string');
    })());

  test('complete rejects an invalid outcome and leaves the record as it was', async ({ expect }) =>
    withHarness(LONG, async (_h, store) => {
      const record = pendingRecord();
      await store.create(record);
      const bogus = { status: 'succeeded', result: { label: 'x', confidence: 7, top_k: [] } } as never;
      await expect(store.complete(record.task_id, record.owner, bogus)).rejects.toBeInstanceOf(
        InvalidRequestError,
      );
      expect(await store.get(record.task_id)).toEqual(record);
    })());

  test('complete creates the record when it is missing (expired before the worker finished)', async ({
    expect,
  }) =>
    withHarness(LONG, async (_h, store) => {
      const taskId = pendingRecord().task_id;
      const done = await store.complete(taskId, 'bob', succeeded());
      expect(done).toMatchObject({ task_id: taskId, owner: 'bob', status: 'succeeded' });
      expect(await store.get(taskId)).toEqual(done);
    })());

  test('the first completion wins; a late processing or second completion changes nothing', async ({
    expect,
  }) =>
    withHarness(LONG, async (_h, store) => {
      const record = pendingRecord();
      await store.create(record);
      const first = await store.complete(record.task_id, record.owner, succeeded('stop'));
      expect(await store.complete(record.task_id, record.owner, failed())).toEqual(first);
      expect(await store.markProcessing(record.task_id)).toEqual(first);
      expect(await store.get(record.task_id)).toEqual(first);
    })());

  test('concurrent writers from several clients agree on one winner', async ({ expect }) =>
    withHarness(LONG, async (h, store) => {
      const other = await h.connect();
      const record = pendingRecord();
      await store.create(record);
      const labels = Array.from({ length: 20 }, (_, i) => `label_${i}`);
      const results = await Promise.all(
        labels.flatMap((label, i) => [
          (i % 2 ? store : other).complete(record.task_id, record.owner, succeeded(label)),
          (i % 2 ? other : store).markProcessing(record.task_id),
        ]),
      );
      const completions = results.filter((_, i) => i % 2 === 0) as ResultRecord[];
      const winner = await store.get(record.task_id);
      expect(winner?.status).toBe('succeeded');
      for (const result of completions) expect(result).toEqual(winner);
    })());

  test('a finished record expires after the result TTL; a pending one lives on its own, longer TTL', async ({
    expect,
  }) =>
    withHarness({ resultTtlMs: 400, pendingTtlMs: 5_000 }, async (_h, store) => {
      const done = pendingRecord();
      const waiting = pendingRecord();
      await store.create(done);
      await store.create(waiting);
      await store.complete(done.task_id, done.owner, succeeded());
      expect(await store.get(done.task_id)).toBeDefined();
      await sleep(1_000);
      expect(await store.get(done.task_id)).toBeUndefined();
      expect(await store.get(waiting.task_id)).toEqual(waiting);
    })());

  test('a pending record expires after the pending TTL', async ({ expect }) =>
    withHarness({ resultTtlMs: 5_000, pendingTtlMs: 400 }, async (_h, store) => {
      const record = pendingRecord();
      await store.create(record);
      await sleep(1_000);
      expect(await store.get(record.task_id)).toBeUndefined();
    })());

  test('waitFor wakes the moment the task ends, from another client, long before its timeout', async ({
    expect,
  }) =>
    withHarness(LONG, async (h, store) => {
      const worker = await h.connect();
      const record = pendingRecord();
      await store.create(record);
      const started = Date.now();
      const waiting = store.waitFor(record.task_id, 10_000);
      await sleep(200);
      const completedAt = Date.now();
      await worker.complete(record.task_id, record.owner, succeeded());
      const result = await waiting;
      const woke = Date.now();
      expect(result?.status).toBe('succeeded');
      expect(woke - completedAt).toBeLessThan(500);
      expect(woke - started).toBeLessThan(2_000);
    })());

  test('waitFor returns the record as it is when the timeout passes without completion', async ({ expect }) =>
    withHarness(LONG, async (_h, store) => {
      const record = pendingRecord();
      await store.create(record);
      await store.markProcessing(record.task_id);
      const started = Date.now();
      const result = await store.waitFor(record.task_id, 300);
      expect(Date.now() - started).toBeGreaterThanOrEqual(280);
      expect(result).toMatchObject({ task_id: record.task_id, status: 'processing' });
    })());

  test('waitFor answers at once for a finished task and for an unknown one', async ({ expect }) =>
    withHarness(LONG, async (_h, store) => {
      const record = pendingRecord();
      await store.create(record);
      await store.complete(record.task_id, record.owner, failed());
      const started = Date.now();
      expect(await store.waitFor(record.task_id, 5_000)).toMatchObject({ status: 'failed' });
      expect(await store.waitFor(pendingRecord().task_id, 5_000)).toBeUndefined();
      expect(Date.now() - started).toBeLessThan(1_000);
    })());

  test('waitFor ends early when its signal aborts', async ({ expect }) =>
    withHarness(LONG, async (_h, store) => {
      const record = pendingRecord();
      await store.create(record);
      const controller = new AbortController();
      const started = Date.now();
      setTimeout(() => controller.abort(), 100);
      const result = await store.waitFor(record.task_id, 10_000, controller.signal);
      expect(Date.now() - started).toBeLessThan(2_000);
      expect(result?.status).toBe('queued');
    })());

  test('many concurrent waiters each wake on their own task', async ({ expect }) =>
    withHarness(LONG, async (h, store) => {
      const worker = await h.connect();
      const records = Array.from({ length: 50 }, () => pendingRecord());
      await Promise.all(records.map((record) => store.create(record)));
      const waits = records.map((record) => store.waitFor(record.task_id, 10_000));
      await sleep(100);
      await Promise.all(
        records.map((record, i) => worker.complete(record.task_id, record.owner, succeeded(`label_${i}`))),
      );
      const results = await Promise.all(waits);
      results.forEach((result, i) =>
        expect(result).toMatchObject({ status: 'succeeded', result: { label: `label_${i}` } }),
      );
    })());

  test('idempotency: the same key returns the live task; another body is told apart; keys are per owner', async ({
    expect,
  }) =>
    withHarness(LONG, async (_h, store) => {
      const first = pendingRecord('alice');
      const claim = { key: 'retry-1', fingerprint: 'sha256:aaa' };
      expect((await store.create(first, { idempotency: claim })).created).toBe(true);
      const retry = await store.create(pendingRecord('alice'), { idempotency: claim });
      expect(retry).toEqual({ created: false, record: first, sameRequest: true });
      const other = await store.create(pendingRecord('alice'), {
        idempotency: { key: 'retry-1', fingerprint: 'sha256:bbb' },
      });
      expect(other).toMatchObject({ created: false, sameRequest: false, record: { task_id: first.task_id } });
      const bob = pendingRecord('bob');
      expect(await store.create(bob, { idempotency: claim })).toEqual({ created: true, record: bob });
    })());

  test('delete removes a task and frees its idempotency key', async ({ expect }) =>
    withHarness(LONG, async (_h, store) => {
      const first = pendingRecord('alice');
      const claim = { key: 'k', fingerprint: 'f' };
      await store.create(first, { idempotency: claim });
      await store.delete(first.task_id);
      expect(await store.get(first.task_id)).toBeUndefined();
      const second = pendingRecord('alice');
      expect(await store.create(second, { idempotency: claim })).toEqual({ created: true, record: second });
    })());

  test('an idempotency key is freed when its task expires', async ({ expect }) =>
    withHarness({ resultTtlMs: 5_000, pendingTtlMs: 400 }, async (_h, store) => {
      const claim = { key: 'expiring', fingerprint: 'f' };
      await store.create(pendingRecord('alice'), { idempotency: claim });
      await sleep(1_000);
      const next = pendingRecord('alice');
      expect(await store.create(next, { idempotency: claim })).toEqual({ created: true, record: next });
    })());

  test('complete rejects a task id that is not a UUID, or an empty owner, with InvalidRequestError', async ({
    expect,
  }) =>
    withHarness(LONG, async (_h, store) => {
      await expect(store.complete('not-a-uuid', 'alice', succeeded())).rejects.toBeInstanceOf(
        InvalidRequestError,
      );
      await expect(store.complete(pendingRecord().task_id, '', succeeded())).rejects.toBeInstanceOf(
        InvalidRequestError,
      );
    })());

  test('a corrupt stored value reads as CorruptRecordError, not a crash', async ({ expect }) =>
    withHarness(LONG, async (h, store) => {
      const notJson = pendingRecord();
      const wrongShape = pendingRecord();
      await h.writeRaw(notJson.task_id, '{"task_id": tru');
      await h.writeRaw(wrongShape.task_id, JSON.stringify({ ...wrongShape, status: 'exploded' }));
      await expect(store.get(notJson.task_id)).rejects.toBeInstanceOf(CorruptRecordError);
      await expect(store.get(wrongShape.task_id)).rejects.toBeInstanceOf(CorruptRecordError);
      await store.ping();
    })());

  test('a closed client refuses work with UnavailableError', async ({ expect }) =>
    withHarness(LONG, async (h) => {
      const client = await h.connect();
      await client.ping();
      await client.close();
      await expect(client.get(pendingRecord().task_id)).rejects.toBeInstanceOf(UnavailableError);
      await expect(client.ping()).rejects.toBeInstanceOf(UnavailableError);
    })());

  test('cancel ends a pending task `cancelled`: waiters wake, a late processing or result changes nothing', async ({
    expect,
  }) =>
    withHarness(LONG, async (h, store) => {
      const worker = await h.connect();
      const queued = pendingRecord();
      const running = pendingRecord();
      await store.create(queued);
      await store.create(running);
      await worker.markProcessing(running.task_id);
      const waiting = store.waitFor(running.task_id, 10_000);
      await sleep(100);
      expect(await store.cancel(queued.task_id)).toEqual(queued);
      expect(await store.cancel(running.task_id)).toMatchObject({ status: 'processing' });
      expect(await waiting).toMatchObject({ status: 'cancelled' });
      for (const record of [queued, running]) {
        const cancelled = await store.get(record.task_id);
        expect(cancelled).toMatchObject({ status: 'cancelled', owner: record.owner });
        expect(await worker.markProcessing(record.task_id)).toEqual(cancelled);
        expect(await worker.complete(record.task_id, record.owner, succeeded())).toEqual(cancelled);
        expect(await store.get(record.task_id)).toEqual(cancelled);
      }
    })());

  test('cancel removes an ended or cancelled task at once, with its idempotency key; an unknown one is undefined', async ({
    expect,
  }) =>
    withHarness(LONG, async (_h, store) => {
      const claim = { key: 'k', fingerprint: 'f' };
      const done = pendingRecord('alice');
      await store.create(done, { idempotency: claim });
      const ended = await store.complete(done.task_id, done.owner, succeeded());
      expect(await store.cancel(done.task_id)).toEqual(ended);
      expect(await store.get(done.task_id)).toBeUndefined();
      const next = pendingRecord('alice');
      expect(await store.create(next, { idempotency: claim })).toEqual({ created: true, record: next });
      await store.cancel(next.task_id);
      expect(await store.cancel(next.task_id)).toMatchObject({ status: 'cancelled' });
      expect(await store.get(next.task_id)).toBeUndefined();
      expect(await store.cancel(pendingRecord().task_id)).toBeUndefined();
    })());

  test('a task pending past the deadline reads as failed/deadline_exceeded, and a late result cannot replace it', async ({
    expect,
  }) =>
    withHarness(DEADLINE, async (h, store) => {
      const worker = await h.connect();
      const read = pendingRecord();
      const unread = pendingRecord();
      await store.create(read);
      await store.create(unread);
      await worker.markProcessing(unread.task_id);
      await sleep(1_300);
      const failedAt = await store.get(read.task_id);
      expect(failedAt).toMatchObject({ status: 'failed', error: { code: 'deadline_exceeded' } });
      expect(await worker.complete(read.task_id, read.owner, succeeded())).toEqual(failedAt);
      // Nobody read this one: the late result itself finds the deadline passed.
      const late = await worker.complete(unread.task_id, unread.owner, succeeded());
      expect(late).toMatchObject({ status: 'failed', error: { code: 'deadline_exceeded' } });
      expect(await store.get(unread.task_id)).toEqual(late);
      expect(await worker.markProcessing(unread.task_id)).toEqual(late);
    })());

  test('waitFor answers at the deadline with failed/deadline_exceeded, though nobody else reads the task', async ({
    expect,
  }) =>
    withHarness(DEADLINE, async (_h, store) => {
      const record = pendingRecord();
      await store.create(record);
      const started = Date.now();
      const result = await store.waitFor(record.task_id, 10_000);
      expect(result).toMatchObject({ status: 'failed', error: { code: 'deadline_exceeded' } });
      expect(Date.now() - started).toBeGreaterThanOrEqual(900);
      expect(Date.now() - started).toBeLessThan(8_000);
    })());

  test('a task that ended before its deadline keeps its outcome after it', async ({ expect }) =>
    withHarness(DEADLINE, async (_h, store) => {
      const record = pendingRecord();
      await store.create(record);
      const done = await store.complete(record.task_id, record.owner, succeeded());
      await sleep(1_300);
      expect(await store.get(record.task_id)).toEqual(done);
    })());

  test('recordNotification writes what became of the notification, and nothing else', async ({ expect }) =>
    withHarness(LONG, async (h, store) => {
      const record = pendingRecord();
      await store.create(record);
      const ended = await store.complete(record.task_id, record.owner, succeeded());
      const delivered = { channel: 'webhook' as const, attempts: 2, delivered_at: new Date().toISOString() };
      const after = await store.recordNotification(record.task_id, delivered);
      expect(after).toEqual({ ...ended, notification: delivered });
      const other = await h.connect();
      expect(await other.get(record.task_id)).toEqual(after);
      // A later status replaces it; the outcome still stands, and a late completion changes nothing.
      const failedStatus = { channel: 'fcm' as const, attempts: 1, failed_at: new Date().toISOString() };
      expect(await other.recordNotification(record.task_id, failedStatus)).toEqual({
        ...ended,
        notification: failedStatus,
      });
      expect(await store.complete(record.task_id, record.owner, failed())).toMatchObject({
        status: 'succeeded',
        notification: failedStatus,
      });
    })());

  test('recordNotification leaves a pending task alone, creates nothing, and refuses a bad status', async ({
    expect,
  }) =>
    withHarness(LONG, async (_h, store) => {
      const status = { channel: 'webhook' as const, attempts: 1, delivered_at: new Date().toISOString() };
      const pending = pendingRecord();
      await store.create(pending);
      expect(await store.recordNotification(pending.task_id, status)).toEqual(pending);
      expect(await store.get(pending.task_id)).toEqual(pending);
      const unknown = pendingRecord().task_id;
      expect(await store.recordNotification(unknown, status)).toBeUndefined();
      expect(await store.get(unknown)).toBeUndefined();
      const record = pendingRecord();
      await store.create(record);
      const ended = await store.complete(record.task_id, record.owner, failed());
      const bad = { channel: 'sms', attempts: -1 } as unknown as typeof status;
      await expect(store.recordNotification(record.task_id, bad)).rejects.toBeInstanceOf(InvalidRequestError);
      expect(await store.get(record.task_id)).toEqual(ended);
    })());

  test('recordNotification never makes a record live past its result TTL', async ({ expect }) =>
    withHarness({ resultTtlMs: 800, pendingTtlMs: 5_000 }, async (_h, store) => {
      const record = pendingRecord();
      await store.create(record);
      await store.complete(record.task_id, record.owner, succeeded());
      await sleep(500);
      const status = { channel: 'webhook' as const, attempts: 1, delivered_at: new Date().toISOString() };
      expect(await store.recordNotification(record.task_id, status)).toMatchObject({ notification: status });
      await sleep(700);
      expect(await store.get(record.task_id)).toBeUndefined();
    })());

  options.additionalTests?.(it);
}
