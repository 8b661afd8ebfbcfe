import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { freePort } from '../../apps/api/test/e2e/processes.js';
import { makeFirebase, PROJECT_ID, STAND_IN_COMMAND, STAND_IN_HOST } from './firebase.js';
import { answers, BROKERS, IMAGES, podman, run, waitFor } from './podman.js';
import { DEPLOY, ROOT } from './support.js';

// `podman-compose -f deploy/compose.yaml up -d` as deploy/README.md says to run it here: RabbitMQ and Redis from
// the images deploy/brokers builds (no registry), the API and two workers from deploy/Dockerfile's targets.
// podman-compose names what it builds <project>_<service> and `up` builds only what is missing: the images the
// setup built are tagged so, rather than built twice. The API runs in Firebase mode, as the file says, with a
// key file made here; a second compose file, as a user's override would, adds the stand-in for Google's
// certificates endpoint (./firebase.ts) and has the API trust its certificate. Only the API is published, on a
// loopback port chosen here: the shared servers on 5672 and 6379 are not touched.

const project = `visionq-test-${process.pid}`;
const STOP = readFileSync(join(ROOT, 'models/traffic-signs/samples/stop.jpg'));
const CA_IN_API = '/etc/visionq-test/googleapis.pem';

describe('deploy/compose.yaml with podman-compose', () => {
  const firebase = makeFirebase();
  const override = join(firebase.dir, 'compose.google.yaml');
  let apiPort = 0;
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
  const logs = async (service: string) =>
    (await run('podman', ['logs', '--tail', '30', `${project}_${service}_1`])).stdout;
  const projectObjects = async () => ({
    containers: await podman('ps', '-a', '-q', '--filter', `label=io.podman.compose.project=${project}`),
    volumes: await podman('volume', 'ls', '-q', '--filter', `label=io.podman.compose.project=${project}`),
    pods: await podman('pod', 'ps', '-q', '--filter', `name=${project}`),
    networks: (await podman('network', 'ls', '--format', '{{.Name}}'))
      .split('\n')
      .filter((name) => name.startsWith(project)),
  });

  beforeAll(async () => {
    for (const target of ['api', 'worker'] as const)
      await podman('tag', IMAGES[target], `${project}_${target}`);
    apiPort = await freePort();
    environment = [
      `RABBITMQ_IMAGE=${BROKERS.rabbitmq}`,
      `REDIS_IMAGE=${BROKERS.redis}`,
      `FIREBASE_PROJECT_ID=${PROJECT_ID}`,
      `FIREBASE_KEY_FILE=${firebase.keyFile}`,
      `API_PORT=${apiPort}`,
    ];
    writeFileSync(
      override,
      stringify({
        services: {
          api: {
            environment: { NODE_EXTRA_CA_CERTS: CA_IN_API },
            volumes: [`${join(firebase.dir, 'googleapis.pem')}:${CA_IN_API}:ro`],
          },
          // podman-compose 1.0.3 gives a container no network alias but its service's name: hence this one.
          [STAND_IN_HOST]: {
            image: 'docker.io/library/node:24-bookworm-slim',
            command: STAND_IN_COMMAND,
            volumes: [`${firebase.dir}:/config:ro`],
          },
        },
      }),
    );
    const up = await compose('up', '-d');
    if (up.code !== 0) throw new Error(`podman-compose up exited ${up.code}:\n${up.stderr.slice(-4000)}`);
    await waitFor(
      'the API ready through its published port',
      () => answers(`http://127.0.0.1:${apiPort}/readyz`),
      180_000,
    ).catch(async (error: Error) => {
      throw new Error(`${error.message}\n${await logs('api')}`);
    });
  });

  afterAll(async () => {
    await compose('down', '-v', '-t', '30');
    await run('podman', ['network', 'rm', `${project}_default`]);
    for (const target of ['api', 'worker']) {
      await run('podman', ['untag', `localhost/${project}_${target}`, `localhost/${project}_${target}`]);
    }
    rmSync(firebase.dir, { recursive: true, force: true });
  });

  it('runs RabbitMQ, Redis, the API and two worker replicas, as the file says', async () => {
    const names = (
      await podman('ps', '--format', '{{.Names}}', '--filter', `label=io.podman.compose.project=${project}`)
    ).split('\n');
    for (const service of ['rabbitmq_1', 'redis_1', 'api_1', 'worker_1', 'worker_2']) {
      expect(names).toContain(`${project}_${service}`);
    }
  });

  it('a signed Firebase ID token gets a prediction through the published port; a forged one is refused', async () => {
    const predict = (token: string) =>
      fetch(`http://127.0.0.1:${apiPort}/predict?wait=20`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'image/jpeg' },
        body: STOP,
      });
    const response = await predict(firebase.token(`compose-${process.pid}`));
    const body = await response.text();
    expect(response.status, `${body}\n${response.status === 200 ? '' : await logs('api')}`).toBe(200);
    expect(JSON.parse(body)).toMatchObject({ status: 'succeeded', result: { label: 'stop' } });
    // firebase-admin fetched the published certificates from the stand-in: the real verification path ran.
    expect(await logs(STAND_IN_HOST)).toContain(
      '/robot/v1/metadata/x509/securetoken@system.gserviceaccount.com',
    );
    const [header, payload] = firebase.token('mallory').split('.');
    expect((await predict(`${header}.${payload}.${'A'.repeat(342)}`)).status).toBe(401);
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
