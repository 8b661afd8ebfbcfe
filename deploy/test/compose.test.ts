import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DCLinter } from 'dclint';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig, assertSafeAuth, requireBrokers } from '../../apps/api/src/config.js';
import { loadWorkerConfig } from '../../apps/worker/src/config.js';
import { DEPLOY, ROOT, dockerStages, readYaml } from './support.js';

// compose.yaml is validated by DCLint: the Compose Specification's JSON schema (which it bundles) and its rules
// (explicit image tags, ports bound to an interface, ordering). Then against the apps' own configuration parsing.

const COMPOSE = join(DEPLOY, 'compose.yaml');
const linter = new DCLinter({ rules: {}, quiet: false, debug: false, exclude: [] });
const scratch = mkdtempSync(join(tmpdir(), 'visionq-compose-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

interface Service {
  build?: { context: string; dockerfile: string; target: string };
  environment: Record<string, string>;
  healthcheck?: { test: string[] };
  depends_on?: Record<string, { condition: string }>;
  secrets?: string[];
  stop_grace_period?: string;
  read_only?: boolean;
  cap_drop?: string[];
  deploy?: { replicas: number };
  expose?: string[];
  ports?: string[];
}
const compose = readYaml(COMPOSE)[0] as {
  services: Record<string, Service>;
  secrets: Record<string, { file: string }>;
};
const { api, worker, rabbitmq, redis } = compose.services as Record<string, Service>;

/** What compose does with `${NAME:?message}` when NAME is set. */
function interpolate(env: Record<string, string>, values: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(env).map(([key, value]) => [
      key,
      String(value).replace(/\$\{(\w+)(:\?[^}]*)?\}/g, (_m, name: string) => values[name] ?? ''),
    ]),
  );
}

function lint(path: string) {
  const [result] = linter.lintFiles([path], false);
  return (result?.messages ?? []).map(
    (m: { type: string; rule: string; line: number; message: string }) =>
      `${m.type} ${m.rule} line ${m.line}: ${m.message}`,
  );
}

describe('deploy/compose.yaml', () => {
  it('passes the Compose Specification schema and every DCLint rule, without a warning', () => {
    expect(lint(COMPOSE)).toEqual([]);
  });

  it('the linter does refuse a broken compose file', () => {
    const broken = join(scratch, 'compose.yaml');
    writeFileSync(
      broken,
      readFileSync(COMPOSE, 'utf8').replace('condition: service_healthy', 'condition: healthy'),
    );
    expect(lint(broken).join('\n')).toMatch(/invalid-schema/);
  });

  it('runs RabbitMQ and Redis, one API and several workers, built from the Dockerfile targets', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['api', 'rabbitmq', 'redis', 'worker']);
    const stages = dockerStages().map((stage) => stage.name);
    for (const app of [api, worker]) {
      expect(app?.build).toMatchObject({ context: '..', dockerfile: 'deploy/Dockerfile' });
      expect(stages).toContain(app?.build?.target);
      expect(app?.depends_on).toEqual({
        rabbitmq: { condition: 'service_healthy' },
        redis: { condition: 'service_healthy' },
      });
      expect(app).toMatchObject({ read_only: true, cap_drop: ['ALL'] });
    }
    expect(worker?.deploy?.replicas).toBeGreaterThan(1);
    for (const service of [api, rabbitmq, redis]) expect(service?.healthcheck?.test[0]).toBe('CMD');
    expect(api?.healthcheck?.test.join(' ')).toContain('/readyz');
  });

  it("the API's environment passes its own configuration parsing (Firebase mode, brokers set)", () => {
    const env = interpolate(api!.environment, { FIREBASE_PROJECT_ID: 'demo-project' });
    const config = loadConfig(env);
    expect(config).toMatchObject({
      AUTH_MODE: 'firebase',
      FIREBASE_PROJECT_ID: 'demo-project',
      HOST: '0.0.0.0',
    });
    expect(() => assertSafeAuth(config)).not.toThrow();
    expect(() => requireBrokers(config)).not.toThrow();
    expect(config.GOOGLE_APPLICATION_CREDENTIALS).toBe(`/run/secrets/${api!.secrets![0]}`);
    const known = new Set([...Object.keys(config)]);
    expect(Object.keys(env).filter((name) => !known.has(name))).toEqual([]);
  });

  it("the worker's environment passes its own configuration parsing, every variable known", () => {
    const config = loadWorkerConfig(worker!.environment);
    expect(config.AMQP_URL).toEqual([expect.stringMatching(/@rabbitmq:5672$/)]);
    const known = new Set(Object.keys(config));
    expect(Object.keys(worker!.environment).filter((name) => !known.has(name))).toEqual([]);
  });

  it('each worker serves /metrics on the port it exposes to the network, never published on the host', () => {
    const config = loadWorkerConfig(worker!.environment);
    expect(config).toMatchObject({ WORKER_METRICS_HOST: '0.0.0.0', WORKER_METRICS_PORT: 9464 });
    expect(worker!.expose).toEqual([String(config.WORKER_METRICS_PORT)]);
    // Replicas would fight over a host port, and metrics are for the scraper, not the world.
    expect(worker!.ports).toBeUndefined();
  });

  it('stop_grace_period covers SHUTDOWN_TIMEOUT_MS; the Firebase key comes from the git-ignored secrets/', () => {
    for (const app of [api, worker]) {
      const grace = Number.parseInt(app!.stop_grace_period ?? '10', 10);
      expect(grace).toBeGreaterThanOrEqual(Number(app!.environment.SHUTDOWN_TIMEOUT_MS) / 1000 + 5);
    }
    // Unless FIREBASE_KEY_FILE names another file (the container tests' key made at run time).
    expect(compose.secrets['firebase-key']?.file).toBe('${FIREBASE_KEY_FILE:-../secrets/firebase-key.json}');
    expect(readFileSync(join(ROOT, '.gitignore'), 'utf8')).toMatch(/^secrets\/\*$/m);
  });
});
