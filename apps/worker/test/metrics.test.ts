import { UnavailableError } from '@visionq/core';
import { describe, expect, it } from 'vitest';
import { createWorkerMetrics } from '../src/metrics.js';
import { sample } from './exposition.js';

describe('worker metrics', () => {
  it('reads the dead-letter depth at each scrape, and leaves it out of a scrape that cannot read it', async () => {
    const failures: unknown[] = [];
    const metrics = createWorkerMetrics({ onCollectError: (error) => failures.push(error) });
    const series = { queue: 'visionq.tasks.dlq' };
    // Before a queue is watched there is nothing to report.
    expect(sample(await metrics.registry.metrics(), 'visionq_queue_dead_letter_messages', series)).toBe(
      undefined,
    );
    const answers: (() => Promise<number>)[] = [
      async () => 3,
      async () => {
        throw new UnavailableError('not connected to RabbitMQ');
      },
      async () => 5,
    ];
    metrics.watchDeadLetters({ queue: series.queue, count: () => answers.shift()!() });
    const scrapes = [];
    for (let i = 0; i < 3; i += 1)
      scrapes.push(sample(await metrics.registry.metrics(), 'visionq_queue_dead_letter_messages', series));
    // No stale 3 and no made-up 0 while RabbitMQ cannot be asked.
    expect(scrapes).toEqual([3, undefined, 5]);
    expect(failures).toEqual([expect.any(UnavailableError)]);
  });

  it('counts what the queue reports dead-lettered, by reason', async () => {
    const metrics = createWorkerMetrics();
    const report = metrics.queueEvents.deadLettered!;
    report({ queue: 'q', reason: 'schema', message: 'task metadata fails the schema' });
    report({ queue: 'q', reason: 'schema', message: 'task metadata fails the schema' });
    report({ queue: 'q', taskId: 'x', reason: 'permanent_error', code: 'invalid_image', message: 'bad' });
    const text = await metrics.registry.metrics();
    const count = (reason: string) => sample(text, 'visionq_queue_dead_lettered_total', { reason });
    expect(['schema', 'schema_version', 'empty_body', 'permanent_error'].map(count)).toEqual([2, 0, 0, 1]);
  });
});
