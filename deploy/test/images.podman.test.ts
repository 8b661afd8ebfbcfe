import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeQueueTopology } from '@visionq/test-support/amqp';
import { probeServer } from '@visionq/test-support/servers';
import { httpSuite, SUITE_ENV, tokenFor } from '../../apps/api/test/e2e/http-suite.js';
import { freePort } from '../../apps/api/test/e2e/processes.js';
import { answers, containerState, IMAGES, podman, run, waitFor } from './podman.js';
import { ROOT } from './support.js';

// The two images as built by deploy/Dockerfile, run the way compose and the manifests run them (read-only root,
// no capabilities, no privilege escalation, a tmpfs on /tmp), on the host's network against the RabbitMQ and
// Redis already on loopback, each run on its own queue and key prefix. The API runs in local auth mode bound to
// loopback, where the black-box suite's unsigned tokens are accepted (the same suite `pnpm start` passes).

const amqp = await probeServer('amqp');
const redis = await probeServer('redis');
const run_ = `deploy-${process.pid}-${Date.now()}`;
const names = { api: `visionq-test-api-${process.pid}`, worker: `visionq-test-worker-${process.pid}` };
const HARDENED = [
  '--read-only',
  '--tmpfs',
  '/tmp',
  '--cap-drop',
  'ALL',
  '--security-opt',
  'no-new-privileges',
];
/** What compose's stop_grace_period and the manifests' terminationGracePeriodSeconds give. */
const GRACE_SECONDS = 30;

const env = (values: Record<string, string>) =>
  Object.entries(values).flatMap(([k, v]) => ['-e', `${k}=${v}`]);

describe.skipIf(!amqp.available || !redis.available)(
  'the api and worker images on RabbitMQ and Redis',
  () => {
    let url = '';
    let metricsUrl = '';
    const shared = {
      AMQP_URL: amqp.url,
      REDIS_URL: redis.url,
      AMQP_QUEUE: `visionq.${run_}`,
      REDIS_PREFIX: `visionq:${run_}:`,
    };

    beforeAll(async () => {
      const [apiPort, metricsPort] = [await freePort(), await freePort()];
      url = `http://127.0.0.1:${apiPort}`;
      metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
      await podman(
        'run',
        '-d',
        '--name',
        names.worker,
        '--network',
        'host',
        ...HARDENED,
        ...env({ ...shared, WORKER_METRICS_HOST: '127.0.0.1', WORKER_METRICS_PORT: String(metricsPort) }),
        IMAGES.worker,
      );
      await podman(
        'run',
        '-d',
        '--name',
        names.api,
        '--network',
        'host',
        ...HARDENED,
        ...env({ ...shared, ...SUITE_ENV, AUTH_MODE: 'local', HOST: '127.0.0.1', PORT: String(apiPort) }),
        IMAGES.api,
      );
      await waitFor('the API ready', () => answers(`${url}/readyz`), 120_000).catch(async (error: Error) => {
        throw new Error(`${error.message}\n${await podman('logs', names.api)}`);
      });
      await waitFor(
        'the worker started',
        async () => (await run('podman', ['logs', names.worker])).stdout.includes('worker started'),
        120_000,
      );
    });

    afterAll(async () => {
      for (const name of Object.values(names)) await run('podman', ['rm', '-f', '-t', '0', name]);
      await removeQueueTopology(amqp.url, shared.AMQP_QUEUE);
    });

    httpSuite(() => url);

    it('the worker answers /metrics with its counters', async () => {
      const response = await fetch(metricsUrl);
      expect(response.status).toBe(200);
      expect(await response.text()).toMatch(/^visionq_\w+/m);
    });

    it.each(['api', 'worker'] as const)('the %s runs as node (uid 1000), not root', async (target) => {
      // PID 1 is the app itself (the image's CMD is `node …`): its real, effective, saved and filesystem uids.
      const status = await podman('exec', names[target], 'cat', '/proc/1/status');
      expect(status).toMatch(/^Uid:\s+1000\s+1000\s+1000\s+1000$/m);
      expect(await podman('exec', names[target], 'cat', '/proc/1/cmdline')).toMatch(/^node\0apps\//);
    });

    it.each(['api', 'worker'] as const)(
      'the %s cannot write its own code, even without a read-only root',
      async (target) => {
        // Without --read-only, only ownership stands between the process and its files (root's, not node's): its
        // entry file, its folder, its dependencies' folder and the model must all refuse it.
        const [config] = JSON.parse(await podman('image', 'inspect', IMAGES[target])) as {
          Config: { Cmd: string[] };
        }[];
        const entry = `/app/${config!.Config.Cmd[1]}`;
        const paths = [
          entry,
          entry.replace(/\/[^/]+$/, ''),
          `/app/apps/${target}/node_modules`,
          '/app/models/traffic-signs',
        ];
        const probe = `const fs = require('node:fs');
      console.log(JSON.stringify(process.argv.slice(1).map((p) => {
        try { fs.statSync(p).isDirectory() ? fs.writeFileSync(p + '/probe', '') : fs.openSync(p, 'r+'); return p + ' writable'; }
        catch (e) { return e.code; }
      })));`;
        const result = await run('podman', [
          'run',
          '--rm',
          '--network',
          'none',
          '--no-healthcheck',
          IMAGES[target],
          'node',
          '-e',
          probe,
          ...paths,
        ]);
        expect(result.stderr).toBe('');
        expect(JSON.parse(result.stdout)).toEqual(paths.map(() => 'EACCES'));
      },
    );

    it('both stop on SIGTERM with exit code 0 within the grace period', async () => {
      const stop = async (name: string) => {
        const started = Date.now();
        // `podman stop` sends the image's stop signal (SIGTERM), then SIGKILL after the timeout.
        await podman('stop', '-t', String(GRACE_SECONDS), name);
        return { seconds: (Date.now() - started) / 1000, state: await containerState(name) };
      };
      const [api, worker] = await Promise.all([stop(names.api), stop(names.worker)]);
      for (const { seconds, state } of [api, worker]) {
        expect(state.ExitCode).toBe(0);
        expect(seconds).toBeLessThan(GRACE_SECONDS);
      }
      expect(await podman('logs', names.worker)).not.toMatch(/"level":(50|60)/);
    });
  },
);

// The single-host image: the API and a worker in one process, embedded queue and store, local auth on loopback
// (as `pnpm start`), the same hardening.
describe('the all-in-one image', () => {
  const name = `visionq-test-all-in-one-${process.pid}`;
  afterAll(async () => {
    await run('podman', ['rm', '-f', '-t', '0', name]);
  });

  it('classifies a photo in one request, then exits 0 on SIGTERM', async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    await podman(
      'run',
      '-d',
      '--name',
      name,
      '--network',
      'host',
      ...HARDENED,
      ...env({ AUTH_MODE: 'local', HOST: '127.0.0.1', PORT: String(port) }),
      IMAGES['all-in-one'],
    );
    await waitFor('the all-in-one ready', () => answers(`${url}/readyz`), 120_000);
    const response = await fetch(`${url}/predict?wait=20`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${tokenFor(`solo-${process.pid}`)}`, 'Content-Type': 'image/jpeg' },
      body: readFileSync(join(ROOT, 'models/traffic-signs/samples/stop.jpg')),
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: 'succeeded', result: { label: 'stop' } });
    await podman('stop', '-t', String(GRACE_SECONDS), name);
    expect((await containerState(name)).ExitCode).toBe(0);
  });
});
