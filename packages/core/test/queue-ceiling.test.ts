import { describe, expect, it } from 'vitest';
import { InMemoryTaskQueue, QueueCeiling, QueueFullError } from '../src/index.js';
import { eventually, numberedImage, taskMessage } from '../src/testing/index.js';

async function offer(ceiling: QueueCeiling, queue: InMemoryTaskQueue, n: number): Promise<'queued' | number> {
  let admission;
  try {
    admission = ceiling.admit();
  } catch (error) {
    if (error instanceof QueueFullError) return error.retryAfterSeconds ?? -1;
    throw error;
  }
  // Some work in between, as an upload being read.
  await new Promise((resolve) => setTimeout(resolve, n % 5));
  try {
    await queue.publish({ message: taskMessage(), image: numberedImage(n) });
    admission.queued();
    return 'queued';
  } catch (error) {
    admission.abandoned();
    throw error;
  }
}

describe('QueueCeiling', () => {
  it('admits exactly maxQueued of a burst; the rest are refused with the longest Retry-After when nothing drains', async () => {
    const queue = new InMemoryTaskQueue();
    const ceiling = new QueueCeiling({ queue, maxQueued: 50, refreshMs: 5, maxRetryAfterSeconds: 30 });
    try {
      const answers = await Promise.all(Array.from({ length: 80 }, (_, n) => offer(ceiling, queue, n)));
      expect(answers.filter((a) => a === 'queued')).toHaveLength(50);
      expect(answers.filter((a) => a === 30)).toHaveLength(30);
      await ceiling.refresh();
      expect(await queue.depth()).toBe(50);
      expect(ceiling.estimate).toBe(50);
    } finally {
      await ceiling.close();
      await queue.close();
    }
  });

  it('an abandoned admission frees its place', async () => {
    const queue = new InMemoryTaskQueue();
    const ceiling = new QueueCeiling({ queue, maxQueued: 1 });
    const first = ceiling.admit();
    expect(() => ceiling.admit()).toThrow(QueueFullError);
    first.abandoned();
    first.abandoned();
    ceiling.admit().queued();
    expect(ceiling.estimate).toBe(1);
    await ceiling.close();
  });

  it('estimates Retry-After from the measured drain rate, and admits again once the queue drained', async () => {
    let now = 0;
    const queue = new InMemoryTaskQueue();
    const ceiling = new QueueCeiling({ queue, maxQueued: 10, refreshMs: 60_000, now: () => now });
    try {
      for (let n = 0; n < 10; n += 1) expect(await offer(ceiling, queue, n)).toBe('queued');
      await ceiling.refresh();
      let taken = 0;
      const consumption = await queue.consume(async () => void (taken += 1), { prefetch: 1 });
      await eventually(() => taken >= 5, 5000, 'five consumed');
      await consumption.stop();
      now += 10_000;
      await ceiling.refresh();
      const drained = 10 - (await queue.depth());
      expect(ceiling.drainRate).toBeCloseTo(drained / 10);
      while ((await offer(ceiling, queue, 0)) === 'queued');
      // One place over the limit, at `drained / 10` tasks a second.
      expect(ceiling.full().retryAfterSeconds).toBe(Math.ceil(1 / (drained / 10)));
    } finally {
      await ceiling.close();
      await queue.close();
    }
  });
});
