import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { apiEnv } from '@visionq/api';
import { brokerEnv, processEnv, repoPath } from '@visionq/service-kit';
import { loadWorkerConfig, notifyWorkerEnv, workerEnv, workerMetricsEnv } from '@visionq/worker';
import { describe, expect, it } from 'vitest';
import { loadAllInOneConfig } from '../src/config.js';

// .env.example is the one list of every variable: each app's schema and the file must name the same ones, with
// the same defaults.

const example = readFileSync(repoPath('.env.example'), 'utf8');
const listed = new Map(
  [...example.matchAll(/^# ([A-Z][A-Z0-9_]+)=(.*)$/gm)].map(([, name, value]) => [
    name as string,
    value as string,
  ]),
);
const BROKERS = { AMQP_URL: 'amqp://127.0.0.1:5672', REDIS_URL: 'redis://127.0.0.1:6379' };
const defaults: Record<string, unknown> = { ...loadWorkerConfig(BROKERS), ...loadAllInOneConfig({}) };
/** Defaults that depend on the machine (files found, the repository's path): the file says so in words. */
const COMPUTED = new Set([
  'AUTH_MODE',
  'FIREBASE_PROJECT_ID',
  'MODEL_PATH',
  'GOOGLE_APPLICATION_CREDENTIALS',
]);

describe('.env.example', () => {
  it('lists every variable the apps read, and nothing else', () => {
    const read = [
      ...new Set(
        [brokerEnv, processEnv, apiEnv, workerEnv, notifyWorkerEnv, workerMetricsEnv].flatMap((shape) =>
          Object.keys(shape),
        ),
      ),
    ];
    expect([...listed.keys()].sort()).toEqual(read.sort());
  });

  it("shows each variable's default", () => {
    for (const [name, shown] of listed) {
      if (name in BROKERS || COMPUTED.has(name)) continue;
      const value = defaults[name];
      expect(shown, name).toBe(value === undefined ? '' : String(value));
    }
  });

  it('is committed, not ignored', () => {
    const ignored = spawnSync('git', ['check-ignore', '-q', '--no-index', '.env.example'], {
      cwd: repoPath('.'),
    });
    expect(ignored.status).toBe(1);
    const env = spawnSync('git', ['check-ignore', '-q', '--no-index', '.env'], { cwd: repoPath('.') });
    expect(env.status).toBe(0);
  });

  it('as a .env file, for node --env-file, it changes nothing', () => {
    const run = spawnSync(
      process.execPath,
      [`--env-file=${repoPath('.env.example')}`, '-e', 'process.stdout.write(JSON.stringify(process.env))'],
      { env: { PATH: process.env.PATH ?? '' }, encoding: 'utf8' },
    );
    expect(run.status, run.stderr).toBe(0);
    const env = JSON.parse(run.stdout) as Record<string, string>;
    expect(Object.keys(env).filter((name) => listed.has(name))).toEqual([]);
  });
});
