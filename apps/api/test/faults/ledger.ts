import { expect } from 'vitest';
import { outputs, type Cluster } from './cluster.js';
import { readRecords } from './infra.js';
import { tally, type Load, type Terminal } from './load.js';

export interface LedgerOptions {
  /**
   * Redis restarted without persistence: a result stored (and read by its user) before the restart may be
   * gone when the ledger reads it again. Everything else still holds.
   */
  storeWiped?: boolean;
}

export interface LedgerSummary {
  accepted: number;
  succeeded: number;
  failed: number;
  uploads: Record<string, number>;
  /** Tasks that ended on a second or later delivery. */
  redelivered: number;
  /** Tasks ended per worker. */
  split: Record<string, number>;
  /** Tasks stored that no user was told about (see below). */
  orphans: number;
  /** With `storeWiped`: results read before the restart and gone after it. */
  goneAfterRestart?: number;
}

/**
 * The end of every fault case: every accepted task (every 202) ended `succeeded` with the right label or
 * `failed` with a reason; none ended twice with different results; none was lost; no record is left pending
 * (nothing half-accepted) and nothing is left on the queue.
 */
export async function expectLedgerBalanced(
  load: Load,
  cluster: Cluster,
  options: LedgerOptions = {},
): Promise<LedgerSummary> {
  const context = () => `${JSON.stringify(tally(load.answers))}\n${outputs(cluster)}`;
  const ids = [...load.accepted.keys()];
  expect(ids.length, 'the load must have had tasks accepted').toBeGreaterThan(0);

  const lost = ids.filter((id) => !load.terminal.has(id));
  expect(lost, `accepted tasks that never ended\n${context()}`).toEqual([]);

  const wrong = ids.flatMap((id) => {
    const { sample } = load.accepted.get(id)!;
    const got = load.terminal.get(id)!;
    const ok =
      sample.expected.status === 'succeeded'
        ? got.status === 'succeeded' && got.result?.label === sample.expected.label
        : got.status === 'failed' && got.error?.code === sample.expected.code && !!got.error.message;
    return ok ? [] : [{ id, image: sample.name, expected: sample.expected, got }];
  });
  expect(wrong, 'tasks that ended with the wrong outcome').toEqual([]);

  // Read every task once more: the answer a user already had must not have changed.
  const api = cluster.living()[0];
  expect(api, 'a running api to read results from').toBeDefined();
  const changed: unknown[] = [];
  let gone = 0;
  for (let i = 0; i < ids.length; i += 16) {
    await Promise.all(
      ids.slice(i, i + 16).map(async (id) => {
        const res = await fetch(`${api!.url}/result/${id}`, { headers: load.auth });
        if (res.status === 404 && options.storeWiped) {
          gone += 1;
          return;
        }
        const body = (await res.json()) as Terminal;
        const first = load.terminal.get(id)!;
        if (
          res.status !== 200 ||
          body.status !== first.status ||
          body.result?.label !== first.result?.label ||
          body.result?.confidence !== first.result?.confidence ||
          // A task whose store write was cut off by the restart is classified again and stored anew: the same
          // result, a later completion time.
          (!options.storeWiped && body.completed_at !== first.completed_at)
        )
          changed.push({ id, first, now: { http: res.status, ...body } });
      }),
    );
  }
  expect(changed, 'results that changed after they were read').toEqual([]);

  const ended = cluster.ended();
  const statuses = new Map<string, Set<string>>();
  for (const { taskId, status } of ended)
    statuses.set(taskId, (statuses.get(taskId) ?? new Set()).add(status));
  const conflicting = [...statuses].filter(([, set]) => set.size > 1).map(([id, set]) => [id, [...set]]);
  expect(conflicting, 'tasks that workers ended with different outcomes').toEqual([]);

  const records = await readRecords(cluster.urls.redis, cluster.prefix);
  const pending = [...records].filter(([, r]) => r.status !== 'succeeded' && r.status !== 'failed');
  expect(pending, `records left pending: half-accepted tasks\n${context()}`).toEqual([]);
  // A task no user heard of: its publish was confirmed too late (the API had already answered 503 and
  // forgotten it), so it ran anyway. Harmless once ended (checked above); counted so each case can bound it.
  const orphans = [...records.keys()].filter((id) => !load.accepted.has(id)).length;
  if (!options.storeWiped) expect(records.size - orphans).toBe(ids.length);
  expect(await cluster.broker.depth(cluster.queue), 'messages left on the queue').toBe(0);

  const split: Record<string, number> = {};
  for (const { worker } of ended) split[worker] = (split[worker] ?? 0) + 1;
  const outcomes = [...load.terminal.values()];
  return {
    accepted: ids.length,
    succeeded: outcomes.filter((t) => t.status === 'succeeded').length,
    failed: outcomes.filter((t) => t.status === 'failed').length,
    uploads: tally(load.answers),
    redelivered: new Set(ended.filter((e) => e.delivery > 1).map((e) => e.taskId)).size,
    split,
    orphans,
    ...(options.storeWiped ? { goneAfterRestart: gone } : {}),
  };
}
