import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '@visionq/test-support/servers';
import { solidPng } from './png.js';
import { ROOT, contextFilter, dockerStages, targetCommand, targetEnv } from './support.js';

// Builds what the Dockerfile's build stage builds, the same way (deploy/bundle.sh) from the same build context
// (the repository after .dockerignore), in a temporary folder, then runs what each image runs. Only the Docker
// engine is missing: the base image's Node is the Node running this test (24 in CI, like the images).
//
// The build shares the repository's turbo cache: packages whose sources did not change are restored rather than
// rebuilt (same inputs, same outputs), which keeps this test near a minute after `pnpm build`.

const work = mkdtempSync(join(tmpdir(), 'visionq-bundle-'));
const context = join(work, 'context');
/** Stands for the images' /app. */
const app = join(work, 'app');
afterAll(() => rmSync(work, { recursive: true, force: true }));

const stages = dockerStages();
const fromImage = (path: string) => join(app, relative('/app', path));

/** Copies the build context as `docker build` would send it: everything .dockerignore does not exclude. */
function copyContext(): number {
  const ignore = contextFilter();
  let files = 0;
  const walk = (dir: string) => {
    for (const entry of readdirSync(join(ROOT, dir), { withFileTypes: true })) {
      const path = dir ? `${dir}/${entry.name}` : entry.name;
      if (ignore.ignores(path)) continue;
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile()) {
        mkdirSync(join(context, dir), { recursive: true });
        copyFileSync(join(ROOT, path), join(context, path));
        files += 1;
      }
    }
  };
  walk('');
  return files;
}

/** The environment an image starts with: its Dockerfile ENV (paths under /app mapped here), plus `extra`. */
function imageEnv(target: string, extra: Record<string, string>): NodeJS.ProcessEnv {
  const env = targetEnv(stages, target);
  return {
    PATH: process.env.PATH,
    ...env,
    MODEL_PATH: fromImage(env.MODEL_PATH as string),
    ...extra,
  };
}

function runImage(target: string, env: Record<string, string>) {
  const [command, ...args] = targetCommand(stages, target);
  return spawnSync(command as string, args, { cwd: app, env: imageEnv(target, env), encoding: 'utf8' });
}

beforeAll(() => {
  expect(copyContext()).toBeGreaterThan(50);
  const built = spawnSync('sh', ['deploy/bundle.sh', app], {
    cwd: context,
    encoding: 'utf8',
    // A hung build fails the suite rather than the whole run: spawnSync blocks the hook's own timeout.
    timeout: 280_000,
    killSignal: 'SIGKILL',
    env: {
      ...process.env,
      npm_config_prefer_offline: 'true',
      TURBO_CACHE_DIR: join(ROOT, '.turbo/cache'),
      TURBO_TELEMETRY_DISABLED: '1',
    },
  });
  if (built.status !== 0)
    throw new Error(
      `deploy/bundle.sh failed (${built.signal ?? built.status}):\n${built.stdout}\n${built.stderr}`,
    );
}, 300_000);

describe('the production bundle (what the images contain)', () => {
  it('has what each image runs, the model, and nothing it must not have', () => {
    for (const target of ['api', 'worker', 'all-in-one']) {
      expect(existsSync(join(app, targetCommand(stages, target)[1] as string)), target).toBe(true);
    }
    // The API image carries no inference: no onnxruntime, no classifier, no worker loop.
    for (const name of ['onnxruntime-node', '@visionq/onnx-classifier', '@visionq/task-processor']) {
      expect(existsSync(join(app, 'apps/api/node_modules', name)), name).toBe(false);
    }
    expect(
      readdirSync(join(app, 'apps/api/node_modules/.pnpm')).filter((d) => d.startsWith('onnxruntime')),
    ).toEqual([]);
    expect(existsSync(fromImage(targetEnv(stages, 'api').MODEL_PATH as string))).toBe(true);
    expect(existsSync(join(app, 'apps/api/public/index.html'))).toBe(true);
    // Production dependencies only, no secrets, no tests, Linux binaries only.
    expect(existsSync(join(app, 'apps/api/node_modules/supertest'))).toBe(false);
    // /docs serves the copy of Redoc's bundle the build made, not the package and its ~70 dependencies.
    expect(existsSync(join(app, 'apps/api/node_modules/redoc'))).toBe(false);
    expect(existsSync(join(app, 'apps/api/dist/redoc.standalone.js'))).toBe(true);
    expect(existsSync(join(app, 'apps/api/test'))).toBe(false);
    expect(existsSync(join(context, 'secrets'))).toBe(false);
    const listing = spawnSync(
      'find',
      [app, '-name', 'firebase-key.json', '-o', '-name', 'win32', '-o', '-name', 'darwin'],
      {
        encoding: 'utf8',
      },
    );
    expect(listing.stdout.trim()).toBe('');
  });

  it('the API refuses to start without RabbitMQ and Redis, in one line and no stack trace', () => {
    const run = runImage('api', { FIREBASE_PROJECT_ID: 'demo-visionq' });
    expect(run.status).toBe(1);
    expect(run.stderr).toBe(
      'visionq: invalid configuration: AMQP_URL, REDIS_URL: required (RabbitMQ and Redis)\n',
    );
  });

  it('the worker refuses to start without RabbitMQ, in one line', () => {
    const run = runImage('worker', {});
    expect(run.status).toBe(1);
    expect(run.stderr).toBe(
      'visionq worker: invalid configuration: AMQP_URL, REDIS_URL: required (RabbitMQ and Redis)\n',
    );
  });

  it('the all-in-one serves /healthz and classifies an image with the baked-in model, then stops on SIGTERM', async () => {
    const port = await freePort();
    const env = imageEnv('all-in-one', {
      HOST: '127.0.0.1',
      PORT: String(port),
      AUTH_MODE: 'local',
      LOG_LEVEL: 'info',
    });
    const [command, ...args] = targetCommand(stages, 'all-in-one');
    const child = spawn(command as string, args, { cwd: app, env });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    try {
      for (let i = 0; i < 300 && !output.includes('"msg":"listening"'); i += 1) {
        if (child.exitCode !== null) throw new Error(`all-in-one exited: ${output}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const base = `http://127.0.0.1:${port}`;
      const health = await fetch(`${base}/healthz`);
      expect(health.status).toBe(200);
      expect(await health.json()).toEqual({ status: 'ok' });
      const docs = await fetch(`${base}/docs/redoc.standalone.js`);
      expect(docs.status).toBe(200);
      expect(docs.headers.get('content-type')).toMatch(/javascript/);
      expect((await docs.arrayBuffer()).byteLength).toBeGreaterThan(500_000);

      const token = spawnSync(process.execPath, ['apps/api/dist/token.js', 'alice'], {
        cwd: app,
        env,
        encoding: 'utf8',
      });
      expect(token.status, token.stderr).toBe(0);
      const body = new FormData();
      body.append('image', new Blob([solidPng(64, 64, [200, 20, 20])], { type: 'image/png' }), 'red.png');
      const res = await fetch(`${base}/predict?wait=20`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${token.stdout.trim()}` },
        body,
      });
      expect(res.status, output).toBe(200);
      expect(await res.json()).toMatchObject({
        status: 'succeeded',
        model: { name: 'traffic-signs' },
        result: { label: expect.any(String) },
      });
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  }, 60_000);
});
