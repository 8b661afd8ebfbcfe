import { describe, expect, it } from 'vitest';
import { loadWorkerConfig } from '../src/config.js';

const BROKERS = { AMQP_URL: 'amqp://guest:guest@127.0.0.1:5672', REDIS_URL: 'redis://127.0.0.1:6379' };

describe('worker configuration', () => {
  it('serves metrics on loopback, port 9464, unless told otherwise', () => {
    expect(loadWorkerConfig(BROKERS)).toMatchObject({
      WORKER_METRICS_PORT: 9464,
      WORKER_METRICS_HOST: '127.0.0.1',
      AMQP_QUEUE: 'visionq.tasks',
    });
    expect(
      loadWorkerConfig({ ...BROKERS, WORKER_METRICS_PORT: '9100', WORKER_METRICS_HOST: '0.0.0.0' }),
    ).toMatchObject({ WORKER_METRICS_PORT: 9100, WORKER_METRICS_HOST: '0.0.0.0' });
  });

  it('WORKER_METRICS_PORT=0 turns the metrics server off', () => {
    expect(loadWorkerConfig({ ...BROKERS, WORKER_METRICS_PORT: '0' }).WORKER_METRICS_PORT).toBe(0);
  });

  it.each([
    [{ WORKER_METRICS_PORT: 'ninety' }, /^invalid configuration: WORKER_METRICS_PORT: /],
    [{ WORKER_METRICS_PORT: '65536' }, /^invalid configuration: WORKER_METRICS_PORT: /],
    [{ WORKER_METRICS_PORT: '-1' }, /^invalid configuration: WORKER_METRICS_PORT: /],
    [{ WORKER_METRICS_PORT: '94.64' }, /^invalid configuration: WORKER_METRICS_PORT: /],
  ])('%o → one line naming the variable', (env, message) => {
    expect(() => loadWorkerConfig({ ...BROKERS, ...env })).toThrow(message);
  });

  it('requires RabbitMQ and Redis, and an empty URL is no URL', () => {
    expect(() => loadWorkerConfig({ WORKER_METRICS_PORT: '9464' })).toThrow(
      /^invalid configuration: AMQP_URL, REDIS_URL: required \(RabbitMQ and Redis\)$/,
    );
    expect(() => loadWorkerConfig({ ...BROKERS, AMQP_URL: '' })).toThrow(
      /^invalid configuration: AMQP_URL: required \(RabbitMQ and Redis\)$/,
    );
  });

  it('an empty variable keeps its default; every bad one is named at once', () => {
    expect(loadWorkerConfig({ ...BROKERS, WORKER_PREFETCH: '', WORKER_METRICS_PORT: '' })).toMatchObject({
      WORKER_PREFETCH: 16,
      WORKER_METRICS_PORT: 9464,
    });
    expect(() => loadWorkerConfig({ ...BROKERS, WORKER_PREFETCH: '0', INFERENCE_WORKERS: 'two' })).toThrow(
      /^invalid configuration: WORKER_PREFETCH: .*; INFERENCE_WORKERS: /,
    );
  });

  it('defaults MODEL_PATH to the bundled model', () => {
    expect(loadWorkerConfig(BROKERS).MODEL_PATH).toMatch(/models\/traffic-signs\/traffic-signs\.onnx$/);
  });
});
