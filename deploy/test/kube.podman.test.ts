import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { makeFirebase, PROJECT_ID, STAND_IN_COMMAND, STAND_IN_HOST } from './firebase.js';
import { BROKERS, podman, run, waitFor } from './podman.js';
import { find, readManifests, ROOT, type KubeObject } from './support.js';

// deploy/k8s played with `podman kube play`: the ConfigMap and the two Deployments as written, on a podman
// network of their own with RabbitMQ and Redis (the images deploy/brokers builds) beside them, as a cluster
// would have its brokers, and the stand-in for Google's certificates endpoint (./firebase.ts). What podman 4.3 (Debian 12) needs that a cluster does not
// is done here and listed in deploy/README.md:
// - the visionq-brokers Secret is created with `podman secret create` in the form 4.3 reads for envFrom (a JSON
//   map of base64 values); a Secret document in the played file is stored in a form it then cannot read;
// - the Firebase key is mounted with a hostPath volume at the manifest's path and mode: 4.3 crashes on a secret
//   volume (nil pointer dereference in VolumeFromSecret);
// - the ConfigMap names the test's Firebase project, and NODE_EXTRA_CA_CERTS the stand-in's certificate.
// The pods are reached with `podman exec`, from inside their own network namespace, as a probe would.

const tag = `visionq-kube-${process.pid}`;
const STOP = readFileSync(join(ROOT, 'models/traffic-signs/samples/stop.jpg'));
const containers = { api: 'visionq-api-pod-0-api', worker: 'visionq-worker-pod-0-worker' };
const base64 = (value: string) => Buffer.from(value).toString('base64');

/** Runs `script` with node inside a played container; stdin goes to the script. */
async function inPod(container: string, script: string, input?: string) {
  return run('podman', ['exec', '-i', container, 'node', '-e', script], { input });
}

/** An HTTP GET from inside the container to its own port: resolves with the status code. */
async function getInPod(container: string, port: number, path: string): Promise<number> {
  const result = await inPod(
    container,
    `fetch('http://127.0.0.1:${port}${path}').then((r) => console.log(r.status), () => console.log(0))`,
  );
  return Number(result.stdout.trim());
}

describe('deploy/k8s with podman kube play', () => {
  const firebase = makeFirebase();
  const manifest = join(firebase.dir, 'visionq.yaml');
  const objects = readManifests(['config.yaml', 'api.yaml', 'worker.yaml']);
  const api = find(objects, 'Deployment', 'visionq-api');
  const worker = find(objects, 'Deployment', 'visionq-worker');
  const config = find(objects, 'ConfigMap', 'visionq-config');

  beforeAll(async () => {
    await podman('network', 'create', tag);
    await podman(
      'run',
      '-d',
      '--name',
      `${tag}-rabbitmq`,
      '--network',
      tag,
      '-e',
      'RABBITMQ_DEFAULT_USER=visionq',
      '-e',
      'RABBITMQ_DEFAULT_PASS=visionq',
      BROKERS.rabbitmq,
    );
    await podman('run', '-d', '--name', `${tag}-redis`, '--network', tag, BROKERS.redis);
    await podman(
      'run',
      '-d',
      '--name',
      `${tag}-google`,
      '--network',
      tag,
      '--network-alias',
      STAND_IN_HOST,
      '-v',
      `${firebase.dir}:/config:ro`,
      'docker.io/library/node:24-bookworm-slim',
      ...STAND_IN_COMMAND,
    );
    const secret = {
      AMQP_URL: base64(`amqp://visionq:visionq@${tag}-rabbitmq:5672`),
      REDIS_URL: base64(`redis://${tag}-redis:6379`),
    };
    await run('podman', ['secret', 'rm', 'visionq-brokers']);
    // From a file: podman 4.3 takes `-` (stdin) only from a pipe, and Node gives a child a socket.
    writeFileSync(join(firebase.dir, 'visionq-brokers.json'), JSON.stringify(secret));
    const created = await run('podman', [
      'secret',
      'create',
      'visionq-brokers',
      join(firebase.dir, 'visionq-brokers.json'),
    ]);
    expect(created.code, created.stderr).toBe(0);

    writeFileSync(
      manifest,
      [playedConfig(config), playedApi(api, firebase.dir), worker]
        .map(clean)
        .map((o) => stringify(o))
        .join('---\n'),
    );
    await waitFor(
      'RabbitMQ up',
      async () =>
        (
          await run('podman', [
            'exec',
            `${tag}-rabbitmq`,
            'rabbitmq-diagnostics',
            '-q',
            'check_port_connectivity',
          ])
        ).code === 0,
      180_000,
    );
    await podman('kube', 'play', '--network', tag, manifest);
    await waitFor(
      'the API ready',
      async () => (await getInPod(containers.api, 8080, '/readyz')) === 200,
      180_000,
    ).catch(async (error: Error) => {
      throw new Error(
        `${error.message}\n${(await run('podman', ['logs', '--tail', '30', containers.api])).stderr}`,
      );
    });
  });

  afterAll(async () => {
    await run('podman', ['kube', 'down', manifest]);
    await run('podman', ['rm', '-f', '-v', '-t', '0', `${tag}-rabbitmq`, `${tag}-redis`, `${tag}-google`]);
    await run('podman', ['secret', 'rm', 'visionq-brokers']);
    await run('podman', ['network', 'rm', '-f', tag]);
    rmSync(firebase.dir, { recursive: true, force: true });
  });

  it('each pod runs as the manifest says: its user, read-only root, no capabilities', async () => {
    for (const name of Object.values(containers)) {
      const [inspected] = JSON.parse(await podman('inspect', name)) as {
        Config: { User: string };
        HostConfig: { ReadonlyRootfs: boolean; CapDrop: string[]; CapAdd: string[] | null };
      }[];
      expect(inspected!.Config.User).toMatch(/^1000(:1000)?$/);
      expect(inspected!.HostConfig.ReadonlyRootfs).toBe(true);
      expect(inspected!.HostConfig.CapAdd ?? []).toEqual([]);
      expect((await podman('exec', name, 'cat', '/proc/1/status')).match(/^CapEff:\s+(\w+)$/m)?.[1]).toBe(
        '0000000000000000',
      );
    }
  });

  it('the pods have the ConfigMap and the Secret in their environment, and the API its key file', async () => {
    const env = async (name: string) =>
      JSON.parse((await inPod(name, 'console.log(JSON.stringify(process.env))')).stdout) as Record<
        string,
        string
      >;
    for (const name of Object.values(containers)) {
      const values = await env(name);
      expect(values).toMatchObject({
        AMQP_QUEUE: config.data!.AMQP_QUEUE,
        SHUTDOWN_TIMEOUT_MS: config.data!.SHUTDOWN_TIMEOUT_MS,
      });
      expect(values.AMQP_URL).toBe(`amqp://visionq:visionq@${tag}-rabbitmq:5672`);
    }
    const keyPath = (await env(containers.api)).GOOGLE_APPLICATION_CREDENTIALS!;
    const key = await inPod(
      containers.api,
      `console.log(JSON.parse(require('fs').readFileSync(${JSON.stringify(keyPath)}, 'utf8')).project_id)`,
    );
    expect(key.stdout.trim()).toBe(PROJECT_ID);
  });

  it("the API's liveness and readiness probes, and the worker's metrics port, answer 200", async () => {
    const container = api.spec.template.spec.containers[0];
    const port = (name: string) =>
      container.ports.find((p: { name: string }) => p.name === name).containerPort as number;
    for (const probe of [container.livenessProbe, container.readinessProbe]) {
      expect(await getInPod(containers.api, port(probe.httpGet.port), probe.httpGet.path)).toBe(200);
    }
    const annotations = worker.spec.template.metadata.annotations;
    expect(
      await getInPod(
        containers.worker,
        Number(annotations['prometheus.io/port']),
        annotations['prometheus.io/path'],
      ),
    ).toBe(200);
  });

  it('a signed Firebase ID token gets a prediction from the API pod', async () => {
    const token = firebase.token(`kube-${process.pid}`);
    const script = `const chunks = []; process.stdin.on('data', (c) => chunks.push(c)).on('end', async () => {
      const r = await fetch('http://127.0.0.1:8080/predict?wait=20', { method: 'POST', body: Buffer.concat(chunks),
        headers: { authorization: 'Bearer ' + process.env.TOKEN_FROM_TEST, 'content-type': 'image/jpeg' } });
      console.log(JSON.stringify({ status: r.status, body: await r.json() })); });`;
    const result = await run(
      'podman',
      ['exec', '-i', '-e', `TOKEN_FROM_TEST=${token}`, containers.api, 'node', '-e', script],
      {
        input: STOP,
      },
    );
    const { status, body } = JSON.parse(result.stdout) as { status: number; body: unknown };
    expect(status).toBe(200);
    expect(body).toMatchObject({ status: 'succeeded', result: { label: 'stop' } });
  });
});

/** Drops what only describes the object for a cluster (namespaces are set by kustomize). */
function clean(object: KubeObject): Omit<KubeObject, 'file'> {
  const { file: _file, ...rest } = object;
  return rest;
}

function playedConfig(config: KubeObject): KubeObject {
  return { ...config, data: { ...config.data, FIREBASE_PROJECT_ID: PROJECT_ID } };
}

/**
 * The API Deployment with its secret volume as a hostPath of the key's folder (podman 4.3 cannot mount a
 * secret), which holds the stand-in's certificate too: the API is told to trust it.
 */
function playedApi(api: KubeObject, keyDir: string): KubeObject {
  const copy = structuredClone(api);
  const pod = copy.spec.template.spec;
  const secretVolume = pod.volumes.find((volume: { secret?: unknown }) => volume.secret).name as string;
  pod.volumes = pod.volumes.map((volume: { name: string; secret?: unknown }) =>
    volume.secret ? { name: volume.name, hostPath: { path: keyDir, type: 'Directory' } } : volume,
  );
  const container = pod.containers[0];
  const mountPath = container.volumeMounts.find(
    (mount: { name: string }) => mount.name === secretVolume,
  ).mountPath;
  container.env = [...container.env, { name: 'NODE_EXTRA_CA_CERTS', value: `${mountPath}/googleapis.pem` }];
  return copy;
}
