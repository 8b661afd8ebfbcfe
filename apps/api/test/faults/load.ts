import { readdirSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { repoPath } from '@visionq/service-kit';
import { tokenFor } from '../e2e/http-suite.js';

/** An image and what its task must end as. */
export interface Sample {
  name: string;
  bytes: Buffer;
  expected: { status: 'succeeded'; label: string } | { status: 'failed'; code: string };
}

/**
 * The bundled sample photos, the 12-megapixel phone photo, and one JPEG cut short: its header parses, so the
 * API accepts it, and only the worker's full decode finds the damage. Photos are expected to end with the
 * label that `calibrate` saw, since the model is not asked to be right here, only consistent.
 */
export function samples(): Sample[] {
  const dir = repoPath('models/traffic-signs/samples');
  const photos: Sample[] = readdirSync(dir)
    .filter((file) => file.endsWith('.jpg'))
    .map((file) => ({
      name: file,
      bytes: readFileSync(`${dir}/${file}`),
      expected: { status: 'succeeded', label: '' },
    }));
  const phone = readFileSync(`${dir}/phone/stop.jpg`);
  const cut = phone.subarray(0, Math.floor(phone.length * 0.3));
  return [
    ...photos,
    { name: 'phone/stop.jpg', bytes: phone, expected: { status: 'succeeded', label: '' } },
    { name: 'cut.jpg', bytes: cut, expected: { status: 'failed', code: 'invalid_image' } },
  ];
}

export interface Answer {
  at: number;
  /** How long the request took, in ms. */
  ms?: number;
  status: number | 'error';
  retryAfter?: string | null;
  detail?: string;
}

export interface Terminal {
  status: 'succeeded' | 'failed';
  result?: { label: string; confidence: number };
  error?: { code: string; message: string };
  completed_at?: string;
}

export interface LoadOptions {
  /** The API base URLs to send to (round robin); called per request, so a test can change them. */
  targets: () => string[];
  /** Concurrent uploaders. */
  users: number;
  /** Pause between one user's uploads, in ms. */
  pauseMs: number;
  samples?: Sample[];
}

/**
 * Users uploading photos over HTTP and long-polling each accepted task until it ends, as a phone app would.
 * Keeps a ledger of every answer: which tasks were accepted (202), what every other upload got, and what each
 * accepted task ended as.
 */
export class Load {
  readonly uid = `faults-${process.pid}-${Date.now()}`;
  readonly auth = { Authorization: `Bearer ${tokenFor(this.uid)}` };
  readonly accepted = new Map<string, { sample: Sample; at: number; via: string }>();
  readonly answers: Answer[] = [];
  readonly terminal = new Map<string, Terminal>();
  /** When each accepted task's user first saw it ended (epoch ms). */
  readonly endedAt = new Map<string, number>();
  /** Answers to a long-poll other than 200 and 202: 404s while a wiped store refills, 503s during outages. */
  readonly pollAnswers: Answer[] = [];
  readonly samples: Sample[];
  #stopped = false;
  #deadline = Number.POSITIVE_INFINITY;
  readonly #users: Promise<void>[] = [];
  readonly #watchers = new Set<Promise<void>>();
  #sent = 0;

  constructor(readonly options: LoadOptions) {
    this.samples = options.samples ?? samples();
  }

  /** Classifies each sample once, before any fault, and expects that label of it from then on. */
  async calibrate(via: string): Promise<this> {
    for (const sample of this.samples) {
      if (sample.expected.status !== 'succeeded') continue;
      const res = await fetch(`${via}/predict?wait=30`, {
        method: 'POST',
        headers: { ...this.auth, 'Content-Type': 'image/jpeg' },
        body: sample.bytes,
      });
      const body = (await res.json()) as Terminal;
      if (res.status !== 200 || body.status !== 'succeeded' || !body.result)
        throw new Error(`calibrating with ${sample.name}: ${res.status} ${JSON.stringify(body)}`);
      sample.expected.label = body.result.label;
      const taskId = (body as { task_id?: string }).task_id as string;
      this.accepted.set(taskId, { sample, at: Date.now(), via });
      this.terminal.set(taskId, body);
    }
    return this;
  }

  start(): this {
    for (let i = 0; i < this.options.users; i += 1) this.#users.push(this.#user());
    return this;
  }

  /** Stops uploading (long-polls go on). */
  async stop(): Promise<void> {
    this.#stopped = true;
    await Promise.all(this.#users);
  }

  /** Stops uploading, then waits until every accepted task has ended or `timeoutMs` has passed. */
  async settle(timeoutMs = 90_000): Promise<void> {
    await this.stop();
    this.#deadline = Date.now() + timeoutMs;
    while (this.#watchers.size > 0) await Promise.race(this.#watchers);
  }

  /** Uploads accepted since `since` (epoch ms). */
  acceptedSince(since: number): number {
    return this.answers.filter((a) => a.at >= since && a.status === 202).length;
  }

  /** Resolves once an upload sent at or after `since` got `status`. */
  async answered(status: number, since: number, timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.answers.some((a) => a.at >= since && a.status === status)) {
      if (Date.now() > deadline)
        throw new Error(`no upload got ${status} in ${timeoutMs} ms: ${JSON.stringify(tally(this.answers))}`);
      await sleep(50);
    }
  }

  async #user(): Promise<void> {
    while (!this.#stopped) {
      const n = (this.#sent += 1);
      const sample = this.samples[n % this.samples.length] as Sample;
      const targets = this.options.targets();
      const via = targets[n % targets.length] as string;
      const answer = await this.#submit(via, sample);
      this.answers.push(answer);
      // A refused connection comes back at once: without a pause, a user would spin while the API is away.
      await sleep(answer.status === 'error' ? Math.max(this.options.pauseMs, 100) : this.options.pauseMs);
    }
  }

  async #submit(via: string, sample: Sample): Promise<Answer> {
    const at = Date.now();
    try {
      const res = await fetch(`${via}/predict`, {
        method: 'POST',
        headers: { ...this.auth, 'Content-Type': 'image/jpeg' },
        body: sample.bytes,
        signal: AbortSignal.timeout(30_000),
      });
      const body = (await res.json()) as { task_id?: string; error?: { code: string } };
      if (res.status === 202 && body.task_id) {
        this.accepted.set(body.task_id, { sample, at, via });
        this.#watch(body.task_id);
      }
      return {
        at,
        ms: Date.now() - at,
        status: res.status,
        retryAfter: res.headers.get('retry-after'),
        detail: body.error?.code,
      };
    } catch (error) {
      return { at, ms: Date.now() - at, status: 'error', detail: String((error as Error).cause ?? error) };
    }
  }

  #watch(taskId: string): void {
    const watcher = this.#poll(taskId).finally(() => this.#watchers.delete(watcher));
    this.#watchers.add(watcher);
  }

  async #poll(taskId: string): Promise<void> {
    for (let n = 0; Date.now() < this.#deadline; n += 1) {
      const targets = this.options.targets();
      const via = targets[n % targets.length] as string;
      const at = Date.now();
      try {
        const res = await fetch(`${via}/result/${taskId}?wait=5`, {
          headers: this.auth,
          signal: AbortSignal.timeout(15_000),
        });
        const body = (await res.json()) as Terminal;
        if (res.status === 200) {
          this.terminal.set(taskId, body);
          this.endedAt.set(taskId, Date.now());
          return;
        }
        if (res.status === 202) continue;
        this.pollAnswers.push({ at, status: res.status, retryAfter: res.headers.get('retry-after') });
      } catch (error) {
        this.pollAnswers.push({ at, status: 'error', detail: String((error as Error).cause ?? error) });
      }
      await sleep(500);
    }
  }
}

/** How many answers had each status, e.g. `{ 202: 310, 503: 12 }`. */
export function tally(answers: readonly Answer[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const { status } of answers) counts[status] = (counts[status] ?? 0) + 1;
  return counts;
}
