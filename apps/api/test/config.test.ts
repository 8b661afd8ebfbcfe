import { describe, expect, it } from 'vitest';
import { ConfigError, assertSafeAuth, loadConfig, requireBrokers } from '../src/config.js';

describe('configuration', () => {
  it('the embedded default: local auth, demo project, bundled model, SPEC defaults', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      HOST: '127.0.0.1',
      PORT: 8080,
      AUTH_MODE: 'local',
      FIREBASE_PROJECT_ID: 'demo-visionq',
      RESULT_TTL: 300,
      MAX_UPLOAD_BYTES: 10_485_760,
      MAX_PIXELS: 40_000_000,
      RATE_LIMIT_PER_MIN: 120,
      TRY_PAGE: true,
      LOG_LEVEL: 'info',
    });
    expect(config.AMQP_URL).toBeUndefined();
  });

  it('a project id implies Firebase auth', () => {
    expect(loadConfig({ FIREBASE_PROJECT_ID: 'my-app' })).toMatchObject({
      AUTH_MODE: 'firebase',
      FIREBASE_PROJECT_ID: 'my-app',
    });
  });

  it.each([
    [{ PORT: 'eighty' }, /^invalid configuration: PORT: /],
    [{ AMQP_URL: 'http://rabbit' }, /^invalid configuration: AMQP_URL: /],
    [{ TRY_PAGE: 'maybe' }, /^invalid configuration: TRY_PAGE: /],
    [{ AUTH_MODE: 'firebase' }, /^invalid configuration: FIREBASE_PROJECT_ID: required/],
    [
      { FIREBASE_AUTH_EMULATOR_HOST: 'http://localhost:9099' },
      /FIREBASE_AUTH_EMULATOR_HOST: must be host:port/,
    ],
  ])('%o → one line naming the variable', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });

  it('an empty variable is unset: PORT=, RATE_LIMIT_PER_MIN= and AMQP_URL= keep their defaults', () => {
    const config = loadConfig({
      PORT: '',
      RATE_LIMIT_PER_MIN: '',
      AMQP_URL: '',
      TRY_PAGE: '',
      AUTH_MODE: '',
    });
    expect(config).toMatchObject({ PORT: 8080, RATE_LIMIT_PER_MIN: 120, TRY_PAGE: true, AUTH_MODE: 'local' });
    expect(config.AMQP_URL).toBeUndefined();
  });

  it('every bad variable is reported at once, in one line', () => {
    const error = (() => {
      try {
        loadConfig({ PORT: 'eighty', AMQP_URL: 'http://rabbit', TRY_PAGE: 'maybe' });
      } catch (thrown) {
        return thrown as Error;
      }
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect(error?.message).not.toContain('\n');
    for (const name of ['PORT', 'AMQP_URL', 'TRY_PAGE']) expect(error?.message).toContain(`${name}: `);
  });

  it('refuses AUTH_MODE=firebase beside FIREBASE_AUTH_EMULATOR_HOST, naming both', () => {
    const env = {
      AUTH_MODE: 'firebase',
      FIREBASE_PROJECT_ID: 'p',
      FIREBASE_AUTH_EMULATOR_HOST: '127.0.0.1:9099',
    };
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(
      /AUTH_MODE=firebase and FIREBASE_AUTH_EMULATOR_HOST cannot be set together/,
    );
    // Local mode with the emulator is the supported pairing, and what the emulator variable implies.
    expect(loadConfig({ FIREBASE_AUTH_EMULATOR_HOST: '127.0.0.1:9099' }).AUTH_MODE).toBe('local');
    expect(
      loadConfig({ FIREBASE_PROJECT_ID: 'my-app', FIREBASE_AUTH_EMULATOR_HOST: '127.0.0.1:9099' }),
    ).toMatchObject({ AUTH_MODE: 'local', FIREBASE_PROJECT_ID: 'my-app' });
  });

  it('production processes demand AMQP_URL and REDIS_URL', () => {
    expect(() => requireBrokers(loadConfig({ REDIS_URL: 'redis://127.0.0.1:6379' }))).toThrow(
      /AMQP_URL: required/,
    );
  });

  it('reads a cluster: AMQP_URL as a comma-separated list, Redis through REDIS_SENTINELS', () => {
    const config = loadConfig({
      AMQP_URL: 'amqp://a:5672, amqps://b:5671',
      REDIS_SENTINELS: 's1:26379,s2:26379',
    });
    expect(config.AMQP_URL).toEqual(['amqp://a:5672', 'amqps://b:5671']);
    expect(config.REDIS_SENTINELS).toEqual(['s1:26379', 's2:26379']);
    expect(config.REDIS_SENTINEL_NAME).toBe('mymaster');
    expect(() => requireBrokers(config)).not.toThrow();
    expect(() => loadConfig({ AMQP_URL: 'amqp://a,http://b' })).toThrow(/AMQP_URL: must be/);
    expect(() => loadConfig({ REDIS_SENTINELS: 's1' })).toThrow(/REDIS_SENTINELS: must be host:port/);
  });

  it('local auth refuses a non-loopback HOST', () => {
    expect(() => assertSafeAuth(loadConfig({ HOST: '0.0.0.0' }))).toThrow(/HOST: AUTH_MODE=local/);
    expect(() => assertSafeAuth(loadConfig({ HOST: '0.0.0.0', FIREBASE_PROJECT_ID: 'p' }))).not.toThrow();
  });
});
