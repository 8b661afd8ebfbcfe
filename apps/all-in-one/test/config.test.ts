import { describe, expect, it } from 'vitest';
import { loadAllInOneConfig } from '../src/config.js';

describe('all-in-one configuration', () => {
  it('the embedded default: no brokers, local auth, bundled model, the API and worker defaults', () => {
    const config = loadAllInOneConfig({});
    expect(config).toMatchObject({
      PORT: 8080,
      AUTH_MODE: 'local',
      RATE_LIMIT_PER_MIN: 120,
      WORKER_PREFETCH: 16,
    });
    expect(config.AMQP_URL).toBeUndefined();
    expect(config.REDIS_URL).toBeUndefined();
    expect(config.MODEL_PATH).toMatch(/models\/traffic-signs\/traffic-signs\.onnx$/);
  });

  it('PORT= RATE_LIMIT_PER_MIN= AMQP_URL= REDIS_URL= mean the defaults, embedded', () => {
    const config = loadAllInOneConfig({ PORT: '', RATE_LIMIT_PER_MIN: '', AMQP_URL: '', REDIS_URL: '' });
    expect(config).toMatchObject({ PORT: 8080, RATE_LIMIT_PER_MIN: 120 });
    expect(config.AMQP_URL).toBeUndefined();
    expect(config.REDIS_URL).toBeUndefined();
  });

  it("reports the API's and the worker's bad variables together", () => {
    expect(() => loadAllInOneConfig({ PORT: 'x', INFERENCE_WORKERS: '0', REDIS_URL: 'http://r' })).toThrow(
      /^invalid configuration: (?=.*PORT: )(?=.*INFERENCE_WORKERS: )(?=.*REDIS_URL: )/,
    );
  });
});
