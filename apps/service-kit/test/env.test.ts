import { describe, expect, it } from 'vitest';
import { ConfigError, brokerEnv, parseEnv, processEnv, requireBrokers } from '../src/index.js';

const shape = { ...brokerEnv, ...processEnv };

function failure(env: Record<string, string>): string {
  try {
    parseEnv(shape, env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('parseEnv accepted a bad environment');
}

describe('parseEnv', () => {
  it('reads every variable as unset when it is empty', () => {
    const empty = Object.fromEntries(Object.keys(shape).map((name) => [name, '']));
    expect(parseEnv(shape, empty)).toEqual(parseEnv(shape, {}));
    expect(parseEnv(shape, { AMQP_URL: '' }).AMQP_URL).toBeUndefined();
  });

  it('names every bad variable in one line, never a value', () => {
    const message = failure({
      AMQP_URL: 'http://user:s3cret@rabbit',
      RESULT_TTL: '0',
      LOG_LEVEL: 'loud',
    });
    expect(message).toMatch(/^invalid configuration: /);
    expect(message).not.toContain('\n');
    expect(message).not.toContain('s3cret');
    for (const name of ['AMQP_URL', 'RESULT_TTL', 'LOG_LEVEL']) expect(message).toContain(`${name}: `);
  });

  it('leaves variables it does not know alone', () => {
    expect(parseEnv(shape, { PATH: '/bin', HOME: '' })).not.toHaveProperty('PATH');
  });
});

describe('requireBrokers', () => {
  it('names each missing broker URL', () => {
    expect(() => requireBrokers(parseEnv(shape, { REDIS_URL: 'redis://127.0.0.1:6379' }))).toThrow(
      /^invalid configuration: AMQP_URL: required \(RabbitMQ and Redis\)$/,
    );
    expect(() => requireBrokers(parseEnv(shape, { AMQP_URL: '', REDIS_URL: '' }))).toThrow(
      /AMQP_URL, REDIS_URL/,
    );
  });
});
