import { randomUUID } from 'node:crypto';
import { InvalidRequestError, UnavailableError } from '../errors.js';
import type { NotificationOutbox, OutboxEntry } from '../ports.js';
import { notificationId } from '../schemas.js';
import type { ContractOptions, ContractTestFn } from './types.js';
import { sleep } from './wait.js';

export interface OutboxHarnessOptions {
  /** Claimed entries left unsettled this long are offered again, in milliseconds. */
  idleMs: number;
  /** Most entries the outbox keeps. */
  maxLength: number;
}

/** What a `NotificationOutbox` implementation provides to run the contract: isolated storage per call. */
export interface OutboxHarness {
  outbox: NotificationOutbox;
  /** Another client on the same storage, as a second process would hold. */
  connect(): Promise<NotificationOutbox>;
  /** Appends raw text as an entry, skipping validation, as a bug or another program could. */
  appendRaw(text: string): Promise<void>;
  /** Closes every client and removes what the harness wrote. */
  cleanup(): Promise<void>;
}

export type OutboxHarnessFactory = (options: OutboxHarnessOptions) => Promise<OutboxHarness>;

const LONG = { idleMs: 60_000, maxLength: 1_000 };

/** An entry for a fresh task, with a target of each channel in turn. */
export function outboxEntry(n = 0): OutboxEntry {
  const taskId = randomUUID();
  return {
    id: notificationId(taskId),
    taskId,
    target:
      n % 2 === 0
        ? { channel: 'webhook', url: `https://hooks.example.org/visionq/${n}` }
        : { channel: 'fcm', token: `device-${n}` },
    ...(n % 3 === 0 && { language: 'es' }),
  };
}

/** Registers the `NotificationOutbox` contract. */
export function outboxContract(
  it: ContractTestFn,
  createHarness: OutboxHarnessFactory,
  options: ContractOptions = {},
): void {
  const withHarness =
    (settings: OutboxHarnessOptions, body: (h: OutboxHarness, outbox: NotificationOutbox) => Promise<void>) =>
    async () => {
      const harness = await createHarness(settings);
      try {
        await body(harness, harness.outbox);
      } finally {
        await harness.cleanup();
      }
    };
  const test = (name: string, fn: Parameters<ContractTestFn>[1]) =>
    it(`NotificationOutbox: ${name}`, fn, 20_000);

  test('an appended entry is claimed once, as it was appended, and is gone once settled', async ({
    expect,
  }) =>
    withHarness(LONG, async (_h, outbox) => {
      expect(await outbox.claim('a', 10)).toEqual([]);
      const entries = [outboxEntry(0), outboxEntry(1), outboxEntry(3)];
      for (const entry of entries) await outbox.append(entry);
      const claimed = await outbox.claim('a', 10);
      expect(claimed.map((c) => c.entry)).toEqual(entries);
      expect(new Set(claimed.map((c) => c.receipt)).size).toBe(3);
      expect(await outbox.claim('a', 10)).toEqual([]);
      expect(await outbox.claim('b', 10)).toEqual([]);
      for (const { receipt } of claimed) await outbox.settle(receipt);
      // Settling twice, or what was never there, does nothing.
      await outbox.settle(claimed[0]?.receipt as string);
    })());

  test('claims at most `count` entries, oldest first', async ({ expect }) =>
    withHarness(LONG, async (_h, outbox) => {
      const entries = Array.from({ length: 5 }, (_, n) => outboxEntry(n));
      for (const entry of entries) await outbox.append(entry);
      const first = await outbox.claim('a', 2);
      const rest = await outbox.claim('a', 10);
      expect(first.map((c) => c.entry.taskId)).toEqual(entries.slice(0, 2).map((e) => e.taskId));
      expect(rest.map((c) => c.entry.taskId)).toEqual(entries.slice(2).map((e) => e.taskId));
      await expect(outbox.claim('a', 0)).rejects.toBeInstanceOf(InvalidRequestError);
      await expect(outbox.claim('a', 1.5)).rejects.toBeInstanceOf(InvalidRequestError);
    })());

  test("an entry another client appended is claimed here: it is shared, not the appender's", async ({
    expect,
  }) =>
    withHarness(LONG, async (h, outbox) => {
      const other = await h.connect();
      const entry = outboxEntry(1);
      await other.append(entry);
      await other.close();
      expect((await outbox.claim('a', 10)).map((c) => c.entry)).toEqual([entry]);
    })());

  test('an entry claimed and not settled within the idle time is offered again, to another consumer', async ({
    expect,
  }) =>
    withHarness({ idleMs: 400, maxLength: 100 }, async (h, outbox) => {
      const entry = outboxEntry(2);
      await outbox.append(entry);
      const [claimed] = await outbox.claim('dead-worker', 10);
      expect(claimed?.entry).toEqual(entry);
      const rescuer = await h.connect();
      expect(await rescuer.claim('rescuer', 10)).toEqual([]);
      await sleep(700);
      const again = await rescuer.claim('rescuer', 10);
      expect(again.map((c) => c.entry)).toEqual([entry]);
      await rescuer.settle(again[0]?.receipt as string);
      await sleep(700);
      expect(await rescuer.claim('rescuer', 10)).toEqual([]);
      expect(await outbox.claim('dead-worker', 10)).toEqual([]);
    })());

  test('concurrent consumers on several clients never share an entry', async ({ expect }) =>
    withHarness(LONG, async (h, outbox) => {
      const entries = Array.from({ length: 30 }, (_, n) => outboxEntry(n));
      await Promise.all(entries.map((entry) => outbox.append(entry)));
      const clients = [outbox, await h.connect(), await h.connect()];
      const rounds = await Promise.all(
        clients.flatMap((client, c) => [1, 2, 3].map((r) => client.claim(`consumer-${c}-${r}`, 4))),
      );
      const more = await outbox.claim('last', 100);
      const ids = [...rounds.flat(), ...more].map((c) => c.entry.taskId);
      expect(ids).toHaveLength(30);
      expect(new Set(ids)).toEqual(new Set(entries.map((e) => e.taskId)));
    })());

  test('append refuses an entry that fails the schema and adds nothing', async ({ expect }) =>
    withHarness(LONG, async (_h, outbox) => {
      const good = outboxEntry(0);
      const bad = [
        { ...good, taskId: 'not-a-uuid' },
        { ...good, target: { channel: 'sms', to: '+1' } },
        { ...good, target: { channel: 'webhook', url: 'not a url' } },
        { ...good, id: '' },
      ];
      for (const entry of bad)
        await expect(outbox.append(entry as OutboxEntry)).rejects.toBeInstanceOf(InvalidRequestError);
      expect(await outbox.claim('a', 10)).toEqual([]);
    })());

  test('an entry that fails the schema when read is dropped, never handed over; the rest are', async ({
    expect,
  }) =>
    withHarness(LONG, async (h, outbox) => {
      const entry = outboxEntry(1);
      await h.appendRaw('{not json');
      await h.appendRaw(JSON.stringify({ ...entry, taskId: 'nope' }));
      await outbox.append(entry);
      expect((await outbox.claim('a', 10)).map((c) => c.entry)).toEqual([entry]);
      await sleep(50);
      expect(await outbox.claim('b', 10)).toEqual([]);
    })());

  test('keeps at most its maximum length, dropping the oldest', async ({ expect }) =>
    withHarness({ idleMs: 60_000, maxLength: 3 }, async (_h, outbox) => {
      const entries = Array.from({ length: 5 }, (_, n) => outboxEntry(n));
      for (const entry of entries) await outbox.append(entry);
      const claimed = await outbox.claim('a', 10);
      expect(claimed.map((c) => c.entry.taskId)).toEqual(entries.slice(2).map((e) => e.taskId));
    })());

  test('a closed client refuses work with UnavailableError; close() is idempotent', async ({ expect }) =>
    withHarness(LONG, async (h) => {
      const client = await h.connect();
      await client.close();
      await client.close();
      await expect(client.append(outboxEntry(0))).rejects.toBeInstanceOf(UnavailableError);
      await expect(client.claim('a', 1)).rejects.toBeInstanceOf(UnavailableError);
    })());

  options.additionalTests?.(it);
}
