import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { freePort } from '../../apps/api/test/e2e/processes.js';
import {
  EMULATOR_ENV,
  EMULATOR_PORT,
  emulatorCommand,
  makeKeyFolder,
  PROJECT_ID,
  signUp,
} from './firebase.js';
import { answers, IMAGES, podman, run, waitFor } from './podman.js';
import { DEPLOY, ROOT } from './support.js';

// `podman-compose -f deploy/compose.yaml up -d` as deploy/README.md says to run it here: RabbitMQ and Redis from
// the images deploy/brokers builds (no registry), the API and two workers from deploy/Dockerfile's targets.
// podman-compose names what it builds <project>_<service> and `up` builds only what is missing: the images the
// setup built are tagged so, rather than built a second time. The API runs in Firebase mode with a key file made here; a second compose file, as a user's
// override would, adds the Firebase Auth Emulator beside it and points the API at it. Nothing is published but
// the API and the emulator, on loopback ports chosen here: the shared servers on 5672 and 6379 are not touched.

const project = `visionq-test-${process.pid}`;
const BROKERS = { rabbitmq: 'localhost/visionq-rabbitmq:debian', redis: 'localhost/visionq-redis:debian' };
const STOP = readFileSync(join(ROOT, 'models/traffic-signs/samples/stop.jpg'));

describe('deploy/compose.yaml with podman-compose', () => {
  const keys = makeKeyFolder();
  const override = join(keys.dir, 'compose.emulator.yaml');
  let apiPort = 0;
  let emulatorPort = 0;
  let environment: string[] = [];

  const compose = (...args: string[]) =>
    run('env', [
      ...environment,
      'podman-compose',
      '-p',
      project,
      '-f',
      join(DEPLOY, 'compose.yaml'),
      '-f',
      override,
      ...args,
    ]);
  const projectObjects = async () => ({
    containers: await podman('ps', '-a', '-q', '--filter', `label=io.podman.compose.project=${project}`),
    volumes: await podman('volume', 'ls', '-q', '--filter', `label=io.podman.compose.project=${project}`),
    pods: await podman('pod', 'ps', '-q', '--filter', `name=${project}`),
    networks: (await podman('network', 'ls', '--format', '{{.Name}}'))
      .split('\n')
      .filter((name) => name.startsWith(project)),
  });

  beforeAll(async () => {
    for (const target of ['rabbitmq', 'redis'] as const) {
      await podman(
        'build',
        '-f',
        join(DEPLOY, 'brokers/Dockerfile'),
        '--target',
        target,
        '-t',
        BROKERS[target],
        join(DEPLOY, 'brokers'),
      );
    }
    for (const target of ['api', 'worker'] as const)
      await podman('tag', IMAGES[target], `${project}_${target}`);
    [apiPort, emulatorPort] = [await freePort(), await freePort()];
    environment = [
      `RABBITMQ_IMAGE=${BROKERS.rabbitmq}`,
      `REDIS_IMAGE=${BROKERS.redis}`,
      `FIREBASE_PROJECT_ID=${PROJECT_ID}`,
      `FIREBASE_KEY_FILE=${keys.keyFile}`,
      `API_PORT=${apiPort}`,
    ];
    writeFileSync(
      override,
      stringify({
        services: {
          api: { environment: { FIREBASE_AUTH_EMULATOR_HOST: `auth-emulator:${EMULATOR_PORT}` } },
          'auth-emulator': {
            image: 'docker.io/library/node:24-bookworm-slim',
            command: emulatorCommand(),
            environment: EMULATOR_ENV,
            volumes: [`${ROOT}:/repo:ro`, `${keys.dir}:/config:ro`],
            ports: [`127.0.0.1:${emulatorPort}:${EMULATOR_PORT}`],
          },
        },
      }),
    );
    const up = await compose('up', '-d');
    if (up.code !== 0) throw new Error(`podman-compose up exited ${up.code}:\n${up.stderr.slice(-4000)}`);
    await waitFor('the emulator answering', () => answers(`http://127.0.0.1:${emulatorPort}/`), 120_000);
    await waitFor(
      'the API ready through its published port',
      () => answers(`http://127.0.0.1:${apiPort}/readyz`),
      180_000,
    ).catch(async (error: Error) => {
      throw new Error(
        `${error.message}\n${(await run('podman', ['logs', '--tail', '30', `${project}_api_1`])).stderr}`,
      );
    });
  });

  afterAll(async () => {
    await compose('down', '-v', '-t', '30');
    await run('podman', ['network', 'rm', `${project}_default`]);
    for (const target of ['api', 'worker'])
      await run('podman', ['untag', `localhost/${project}_${target}`, `localhost/${project}_${target}`]);
    rmSync(keys.dir, { recursive: true, force: true });
  });

  it('runs RabbitMQ, Redis, the API and two worker replicas, as the file says', async () => {
    const names = (
      await podman('ps', '--format', '{{.Names}}', '--filter', `label=io.podman.compose.project=${project}`)
    ).split('\n');
    for (const service of ['rabbitmq_1', 'redis_1', 'api_1', 'worker_1', 'worker_2']) {
      expect(names).toContain(`${project}_${service}`);
    }
  });

  it('a user signed up at the emulator gets a prediction through the published port', async () => {
    const token = await signUp(`http://127.0.0.1:${emulatorPort}`, `compose-${Date.now()}@example.test`);
    const response = await fetch(`http://127.0.0.1:${apiPort}/predict?wait=20`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'image/jpeg' },
      body: STOP,
    });
    const body = await response.text();
    const logs = async () => (await run('podman', ['logs', '--tail', '20', `${project}_api_1`])).stdout;
    expect(response.status, `${body}\n${response.status === 200 ? '' : await logs()}`).toBe(200);
    expect(JSON.parse(body)).toMatchObject({ status: 'succeeded', result: { label: 'stop' } });
    const stranger = await fetch(`http://127.0.0.1:${apiPort}/predict`, {
      method: 'POST',
      headers: { Authorization: 'Bearer x.y.z', 'Content-Type': 'image/jpeg' },
      body: STOP,
    });
    expect(stranger.status).toBe(401);
  });

  it('`down -v` removes every container, volume and pod of the project; the network stays (podman-compose 1.0.3)', async () => {
    const down = await compose('down', '-v', '-t', '30');
    expect(down.code, down.stderr).toBe(0);
    // Docker Compose removes the project's network too; podman-compose 1.0.3 leaves it (deploy/README.md).
    expect(await projectObjects()).toEqual({
      containers: '',
      volumes: '',
      pods: '',
      networks: [`${project}_default`],
    });
    await podman('network', 'rm', `${project}_default`);
    expect((await projectObjects()).networks).toEqual([]);
  });
});
