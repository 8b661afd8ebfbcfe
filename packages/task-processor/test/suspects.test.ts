import { describe, expect, it } from 'vitest';
import { SuspectLine } from '../src/suspects.js';

/** Runs one round: every suspect added at once, in arrival order; returns the order they were classified in. */
async function round(entries: { id: number; count: number }[]): Promise<number[]> {
  const order: number[] = [];
  const line = new SuspectLine<number>(10);
  await Promise.all(
    entries.map(({ id, count }) =>
      line.add(count, 1000 + id, async () => {
        order.push(id);
        return id;
      }),
    ),
  );
  return order;
}

describe('SuspectLine', () => {
  it('takes one round in publish order and the next in reverse, fewest deliveries first', async () => {
    expect(await round([3, 1, 2].map((id) => ({ id, count: 2 })))).toEqual([1, 2, 3]);
    expect(await round([1, 2, 3].map((id) => ({ id, count: 3 })))).toEqual([3, 2, 1]);
    expect(
      await round([
        { id: 1, count: 4 },
        { id: 2, count: 2 },
        { id: 3, count: 2 },
      ]),
    ).toEqual([2, 3, 1]);
  });

  it('clears both sides of a culprit within two rounds of a worker being killed by it', async () => {
    // Five tasks held by a worker that an image (3) kills: whatever has not run when it runs returns with it.
    let held = [1, 2, 3, 4, 5];
    let deliveries = 2;
    const done: number[] = [];
    for (let kills = 0; kills < 2; kills += 1) {
      const order = await round(held.map((id) => ({ id, count: deliveries })));
      const culprit = order.indexOf(3);
      done.push(...order.slice(0, culprit));
      held = order.slice(culprit);
      deliveries += 1;
    }
    expect(done.sort()).toEqual([1, 2, 4, 5]);
    expect(held).toEqual([3]);
  });

  it('passes a failure to its own task only, and starts the next only once the previous has ended', async () => {
    const line = new SuspectLine<number>(0);
    let running = 0;
    let overlapped = false;
    const results = await Promise.allSettled(
      [1, 2, 3].map((id) =>
        line.add(2, id, async () => {
          overlapped ||= running > 0;
          running += 1;
          await new Promise((resolve) => setTimeout(resolve, 20));
          running -= 1;
          if (id === 2) throw new Error('bad image');
          return id;
        }),
      ),
    );
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(overlapped).toBe(false);
  });
});
