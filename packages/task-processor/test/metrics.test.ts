import { InvalidImageError, UnavailableError, newQueuedRecord } from '@visionq/core';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createTaskProcessorMetrics, observeTaskProcessor, recordModel } from '../src/metrics/index.js';

/** One sample of a Prometheus text exposition: the series with exactly these labels. */
function sample(text: string, name: string, labels = ''): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name}${labels ? `{${labels}}` : ''} `));
  return line === undefined ? undefined : Number(line.split(' ').pop());
}

describe('task processor metrics and observer', () => {
  it('counts ended tasks, durations, batches and errors, and logs each task by id', async () => {
    const registry = new Registry();
    const metrics = createTaskProcessorMetrics(registry);
    const lines: { level: string; fields: Record<string, unknown>; message: string }[] = [];
    const events = observeTaskProcessor(
      {
        info: (fields, message) => lines.push({ level: 'info', fields: { ...fields }, message }),
        warn: (fields, message) => lines.push({ level: 'warn', fields: { ...fields }, message }),
      },
      metrics,
    );
    const record = {
      ...newQueuedRecord('0b6a9a52-3c0b-4a8e-9f0e-6f1f7f1d2a10', 'alice'),
      status: 'succeeded',
    };
    events.taskEnded?.(record as never, { durationMs: 120, deliveryCount: 2 });
    events.batchClassified?.(3, 40);
    events.taskError?.('t-1', new UnavailableError('store down'));
    events.taskError?.('t-2', new InvalidImageError('broken'));

    const text = await registry.metrics();
    expect(sample(text, 'visionq_tasks_ended_total', 'status="succeeded"')).toBe(1);
    expect(sample(text, 'visionq_tasks_ended_total', 'status="failed"')).toBe(0);
    expect(sample(text, 'visionq_task_duration_seconds_sum', 'status="succeeded"')).toBeCloseTo(0.12);
    expect(sample(text, 'visionq_inference_batch_size_sum')).toBe(3);
    expect(sample(text, 'visionq_inference_batch_duration_seconds_sum')).toBeCloseTo(0.04);
    expect(sample(text, 'visionq_task_errors_total', 'code="unavailable"')).toBe(1);
    expect(sample(text, 'visionq_task_errors_total', 'code="invalid_image"')).toBe(1);
    for (const reason of ['schema_version', 'schema', 'empty_body', 'permanent_error'])
      expect(sample(text, 'visionq_queue_dead_lettered_total', `reason="${reason}"`)).toBe(0);

    expect(lines).toEqual([
      {
        level: 'info',
        fields: { task_id: record.task_id, status: 'succeeded', duration_ms: 120, delivery: 2 },
        message: 'task ended',
      },
      {
        level: 'warn',
        fields: { task_id: 't-1', code: 'unavailable', transient: true },
        message: 'task handed back to the queue',
      },
      {
        level: 'warn',
        fields: { task_id: 't-2', code: 'invalid_image', transient: false },
        message: 'task handed back to the queue',
      },
    ]);
  });

  it('says which model is loaded: visionq_model_info{name,version} 1, one series', async () => {
    const registry = new Registry();
    const metrics = createTaskProcessorMetrics(registry);
    const series = async () =>
      (await registry.metrics()).split('\n').filter((line) => line.startsWith('visionq_model_info'));
    expect(await series()).toEqual([]);
    recordModel(metrics, { name: 'traffic-signs', version: '2' });
    recordModel(metrics, { name: 'traffic-signs', version: '3' });
    expect(await series()).toEqual(['visionq_model_info{name="traffic-signs",version="3"} 1']);
  });

  it('refuses a second set on the same registry, so two loops never count into one series by accident', () => {
    const registry = new Registry();
    createTaskProcessorMetrics(registry);
    expect(() => createTaskProcessorMetrics(registry)).toThrow(/already been registered/);
  });
});
