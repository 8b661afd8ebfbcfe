import type { Load, Terminal } from '../faults/load.js';
import type { Service } from './world.js';

/** When the fault started and ended (epoch ms): the history is cut into before, during and after. */
export interface Phases {
  faultAt: number;
  healedAt: number;
}

/** What the checker found in one run's history. */
export interface Counts {
  /** Uploads answered 202 (calibration included). */
  accepted: number;
  /** Accepted tasks whose user saw them end (`succeeded` or `failed` with a code). */
  ended: number;
  /** Accepted tasks never seen to end. Must be 0. */
  lost: number;
  /** Tasks that ended otherwise than their image deserves (wrong label, or failed without its code). */
  wrong: number;
  /**
   * Tasks answered two ways: read again, the record says something else than the user was told, or workers
   * ended it with different outcomes. Must be 0.
   */
  contradictory: number;
  /**
   * Results a user had read that are gone from Redis when read again, or back to queued or processing: what
   * asynchronous replication loses in a failover.
   */
  vanished: number;
  /** Records no user was told about (a publish confirmed after the API gave up and answered 503). */
  orphans: number;
  /**
   * Orphans still queued or processing: refused uploads whose record was written, though the API never heard
   * Redis say so. Nobody can read them (no user has their id); they expire after PENDING_TTL.
   */
  stranded: number;
  /** Messages left on the task queue. */
  queued: number;
  /** Tasks that ended on a second or later delivery (from the workers' logs). */
  redelivered: number;
  /** Upload answers by status (`error`: no HTTP answer at all). */
  uploads: Record<string, number>;
  refused503: number;
  /** p99 of upload answers, and of 202 → ended as the user saw it, in ms, per phase. */
  p99: Record<'before' | 'during' | 'after', { upload: number; end: number }>;
}

/**
 * The Jepsen-style check of a history: every 202 must have ended exactly once, as its image deserves, and the
 * record must agree with what its user was told. Counts everything; the test decides which counts must be 0.
 */
export async function check(load: Load, service: Service, phases: Phases): Promise<Counts> {
  const ids = [...load.accepted.keys()];
  const ended = ids.filter((id) => load.terminal.has(id));
  const wrong = ended.filter((id) => !deserved(load, id));

  const records = await service.records();
  let vanished = 0;
  const contradictory = new Set<string>();
  for (const id of ended) {
    const told = load.terminal.get(id) as Terminal;
    const record = records.get(id) as (Terminal & { status: string }) | undefined;
    // Gone, or back to queued/processing: the result was lost (a failover), not answered otherwise.
    if (!record || (record.status !== 'succeeded' && record.status !== 'failed')) {
      vanished += 1;
      continue;
    }
    if (
      record.status !== told.status ||
      record.result?.label !== told.result?.label ||
      record.result?.confidence !== told.result?.confidence ||
      record.error?.code !== told.error?.code
    )
      contradictory.add(id);
  }
  const outcomes = new Map<string, Set<string>>();
  for (const { taskId, status } of service.ended())
    outcomes.set(taskId, (outcomes.get(taskId) ?? new Set()).add(status));
  for (const [id, set] of outcomes) if (set.size > 1) contradictory.add(id);

  const orphans = [...records].filter(([id]) => !load.accepted.has(id));
  const uploads: Record<string, number> = {};
  for (const { status } of load.answers) uploads[status] = (uploads[status] ?? 0) + 1;
  const phase = (at: number) => (at < phases.faultAt ? 'before' : at < phases.healedAt ? 'during' : 'after');
  const latencies = { before: [[], []], during: [[], []], after: [[], []] } as Record<
    'before' | 'during' | 'after',
    [number[], number[]]
  >;
  for (const answer of load.answers)
    if (answer.ms !== undefined) latencies[phase(answer.at)][0].push(answer.ms);
  for (const [id, { at }] of load.accepted) {
    const endedAt = load.endedAt.get(id);
    if (endedAt !== undefined) latencies[phase(at)][1].push(endedAt - at);
  }
  const p99 = Object.fromEntries(
    Object.entries(latencies).map(([name, [upload, end]]) => [name, { upload: pct(upload), end: pct(end) }]),
  ) as Counts['p99'];

  return {
    accepted: ids.length,
    ended: ended.length,
    lost: ids.length - ended.length,
    wrong: wrong.length,
    contradictory: contradictory.size,
    vanished,
    orphans: orphans.length,
    stranded: orphans.filter(([, r]) => r.status !== 'succeeded' && r.status !== 'failed').length,
    queued: await service.depth(),
    redelivered: new Set(
      service
        .ended()
        .filter((e) => e.delivery > 1)
        .map((e) => e.taskId),
    ).size,
    uploads,
    refused503: uploads['503'] ?? 0,
    p99,
  };
}

function deserved(load: Load, id: string): boolean {
  const { sample } = load.accepted.get(id)!;
  const got = load.terminal.get(id)!;
  return sample.expected.status === 'succeeded'
    ? got.status === 'succeeded' && got.result?.label === sample.expected.label
    : got.status === 'failed' && got.error?.code === sample.expected.code && !!got.error.message;
}

function pct(values: number[], p = 0.99): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)] as number;
}
