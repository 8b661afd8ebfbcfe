import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as keda from '@kubernetes-models/keda';
import * as kubernetes from 'kubernetes-models';
import { describe, expect, it } from 'vitest';
import { loadConfig, assertSafeAuth, requireBrokers } from '../../apps/api/src/config.js';
import { loadWorkerConfig } from '../../apps/worker/src/config.js';
import { K8S, find, manifestFiles, readManifests, readYaml, type KubeObject } from './support.js';

// Every manifest is checked against the Kubernetes (and KEDA) OpenAPI schemas that kubernetes-models ships,
// then against the apps themselves: the settings they carry must pass the apps' own configuration parsing, and
// the objects must point at each other (selectors, targets, secrets, ports) the way a cluster would resolve them.

type Model = new (data: object) => { validate(): void };

/** `apps/v1` → kubernetes.apps.v1; `keda.sh/v1alpha1` → keda.kedaSh.v1alpha1; `v1` → kubernetes.v1. */
function modelFor(apiVersion: string, kind: string): Model | undefined {
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
  const key = (group as string).replace(/\.(\w)/g, (_match, letter: string) => letter.toUpperCase());
  const models = (key === '' ? kubernetes : { ...kubernetes, ...keda }) as Record<string, unknown>;
  const groupModels = (key === '' ? models : models[key]) as
    Record<string, Record<string, Model>> | undefined;
  return groupModels?.[version as string]?.[kind];
}

function validate(object: object & { apiVersion: string; kind: string }): void {
  const Model = modelFor(object.apiVersion, object.kind);
  if (!Model) throw new Error(`no schema for ${object.apiVersion} ${object.kind}`);
  new Model(object).validate();
}

const objects = readManifests();
const deployments = objects.filter((object) => object.kind === 'Deployment');
const podSpec = (name: string) => find(objects, 'Deployment', name).spec.template.spec;
const container = (name: string) => podSpec(name).containers[0];
const config = find(objects, 'ConfigMap', 'visionq-config').data as Record<string, string>;
const brokers = find(objects, 'Secret', 'visionq-brokers').stringData as Record<string, string>;

describe('deploy/k8s: schemas', () => {
  it.each(objects.map((object) => [`${object.file}: ${object.kind} ${object.metadata.name}`, object]))(
    '%s is valid against its OpenAPI schema',
    (_name, object) => {
      const { file: _file, ...manifest } = object as KubeObject;
      expect(() => validate(manifest)).not.toThrow();
    },
  );

  it('the validator does refuse what a cluster would refuse', () => {
    const api = structuredClone(find(objects, 'Deployment', 'visionq-api'));
    api.spec.template.spec.containers[0].ports[0].containerPort = 'eighty';
    expect(() => validate(api)).toThrow(/containerPort must be integer/);
    const scaled = structuredClone(find(objects, 'ScaledObject', 'visionq-worker'));
    delete scaled.spec.scaleTargetRef;
    expect(() => validate(scaled)).toThrow(/scaleTargetRef/);
  });

  it('kustomization.yaml lists every manifest except the secrets example, and each image it renames', () => {
    const [kustomization] = readYaml(join(K8S, 'kustomization.yaml')) as {
      resources: string[];
      images: { name: string }[];
    }[];
    expect([...kustomization!.resources].sort()).toEqual(
      manifestFiles().filter((file) => file !== 'secrets.example.yaml'),
    );
    expect(kustomization!.resources.every((file) => existsSync(join(K8S, file)))).toBe(true);
    const images = deployments.map((deployment) => deployment.spec.template.spec.containers[0].image);
    expect(kustomization!.images.map((image) => image.name).sort()).toEqual([...images].sort());
  });
});

describe('deploy/k8s: the apps accept the configuration', () => {
  const env = { ...config, ...brokers };

  it('the API parses it in Firebase mode, listening on all interfaces, with RabbitMQ and Redis', () => {
    const api = loadConfig({
      ...env,
      GOOGLE_APPLICATION_CREDENTIALS: container('visionq-api').env[0].value,
    });
    expect(api).toMatchObject({ AUTH_MODE: 'firebase', HOST: '0.0.0.0', PORT: 8080 });
    expect(() => assertSafeAuth(api)).not.toThrow();
    expect(() => requireBrokers(api)).not.toThrow();
  });

  it('the worker parses it', () => {
    expect(loadWorkerConfig(env)).toMatchObject({ AMQP_QUEUE: config.AMQP_QUEUE, INFERENCE_THREADS: 1 });
  });

  it('every variable is one that the API or the worker reads (a typo would be dropped silently)', () => {
    const known = new Set([
      ...Object.keys(loadConfig(env)),
      ...Object.keys(loadWorkerConfig(env)),
      'GOOGLE_APPLICATION_CREDENTIALS',
    ]);
    expect(Object.keys(env).filter((name) => !known.has(name))).toEqual([]);
  });
});

describe('deploy/k8s: objects fit together', () => {
  it('the Service selects the API pods and targets their named port', () => {
    const service = find(objects, 'Service', 'visionq-api');
    const labels = find(objects, 'Deployment', 'visionq-api').spec.template.metadata.labels;
    expect(labels).toMatchObject(service.spec.selector);
    const ports = container('visionq-api').ports.map((port: { name: string }) => port.name);
    expect(ports).toContain(service.spec.ports[0].targetPort);
  });

  it('the API is probed on /healthz (liveness) and /readyz (readiness) at its own port', () => {
    const api = container('visionq-api');
    expect(api.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'http' });
    expect(api.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'http' });
    expect(api.ports[0].containerPort).toBe(Number(config.PORT));
  });

  it('each pod is scraped where it serves /metrics: the worker on its metrics port, the API on its own', () => {
    const worker = loadWorkerConfig({ ...config, ...brokers });
    expect(worker).toMatchObject({ WORKER_METRICS_HOST: '0.0.0.0' });
    const ports = container('visionq-worker').ports as { name: string; containerPort: number }[];
    expect(ports).toEqual([{ name: 'metrics', containerPort: worker.WORKER_METRICS_PORT }]);
    const scrape = (name: string) => find(objects, 'Deployment', name).spec.template.metadata.annotations;
    expect(scrape('visionq-worker')).toEqual({
      'prometheus.io/scrape': 'true',
      'prometheus.io/port': String(worker.WORKER_METRICS_PORT),
      'prometheus.io/path': '/metrics',
    });
    // The API's metrics have a port of their own, never the public one.
    expect(config).toMatchObject({ API_METRICS_HOST: '0.0.0.0' });
    expect(scrape('visionq-api')).toEqual({
      'prometheus.io/scrape': 'true',
      'prometheus.io/port': config.API_METRICS_PORT,
      'prometheus.io/path': '/metrics',
    });
  });

  it('every selector (Deployment, PodDisruptionBudget) matches its pods, and every Deployment has one PDB', () => {
    for (const deployment of deployments) {
      const labels = deployment.spec.template.metadata.labels;
      expect(labels).toMatchObject(deployment.spec.selector.matchLabels);
      const budgets = objects.filter(
        (object) =>
          object.kind === 'PodDisruptionBudget' &&
          Object.entries(object.spec.selector.matchLabels).every(([key, value]) => labels[key] === value),
      );
      expect(budgets, deployment.metadata.name).toHaveLength(1);
    }
  });

  it('the HPA scales the API Deployment; KEDA scales the worker Deployment on the task queue', () => {
    const hpa = find(objects, 'HorizontalPodAutoscaler', 'visionq-api');
    expect(hpa.spec.scaleTargetRef).toEqual({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      name: 'visionq-api',
    });
    const scaled = find(objects, 'ScaledObject', 'visionq-worker');
    expect(scaled.spec.scaleTargetRef.name).toBe('visionq-worker');
    const [trigger] = scaled.spec.triggers;
    expect(trigger).toMatchObject({ type: 'rabbitmq', metadata: { queueName: config.AMQP_QUEUE } });
    expect(Number(trigger.metadata.value)).toBeGreaterThan(0);
    // Whoever scales a Deployment owns its replica count; a `replicas` here would be reset by every apply.
    for (const deployment of deployments) expect(deployment.spec.replicas).toBeUndefined();
  });

  it("KEDA's TriggerAuthentication reads the workers' own AMQP_URL from the Secret", () => {
    const scaled = find(objects, 'ScaledObject', 'visionq-worker');
    const auth = find(objects, 'TriggerAuthentication', scaled.spec.triggers[0].authenticationRef.name);
    expect(auth.spec.secretTargetRef).toEqual([
      { parameter: 'host', name: 'visionq-brokers', key: 'AMQP_URL' },
    ]);
    const worker = container('visionq-worker');
    expect(worker.envFrom).toContainEqual({ secretRef: { name: 'visionq-brokers' } });
  });

  it('the Firebase key is a Secret mounted read-only as a file, and GOOGLE_APPLICATION_CREDENTIALS points at it', () => {
    const spec = podSpec('visionq-api');
    const api = container('visionq-api');
    const volume = spec.volumes.find((v: { secret?: object }) => v.secret);
    expect(volume.secret.secretName).toBe('visionq-firebase');
    const mount = api.volumeMounts.find((m: { name: string }) => m.name === volume.name);
    expect(mount.readOnly).toBe(true);
    const path = `${mount.mountPath}/${volume.secret.items[0].path}`;
    expect(api.env).toContainEqual({ name: 'GOOGLE_APPLICATION_CREDENTIALS', value: path });
    const secret = find(objects, 'Secret', 'visionq-firebase').stringData as Record<string, string>;
    expect(Object.keys(secret)).toContain(volume.secret.items[0].key);
    // The key is not in the ConfigMap, nor in any environment variable.
    expect(JSON.stringify(config)).not.toMatch(/private_key/);
  });

  it('terminationGracePeriodSeconds covers preStop + SHUTDOWN_TIMEOUT_MS + closing connections', () => {
    const shutdownSeconds = Number(config.SHUTDOWN_TIMEOUT_MS) / 1000;
    for (const deployment of deployments) {
      const spec = deployment.spec.template.spec;
      const preStop = spec.containers[0].lifecycle?.preStop?.exec?.command;
      const preStopSeconds = preStop ? Number(preStop.at(-1)) : 0;
      expect(spec.terminationGracePeriodSeconds, deployment.metadata.name).toBeGreaterThanOrEqual(
        preStopSeconds + shutdownSeconds + 5,
      );
    }
  });

  it('every pod meets the "restricted" Pod Security Standard and has resource requests and a memory limit', () => {
    for (const deployment of deployments) {
      const spec = deployment.spec.template.spec;
      expect(spec.securityContext).toMatchObject({
        runAsNonRoot: true,
        seccompProfile: { type: 'RuntimeDefault' },
      });
      expect(spec.automountServiceAccountToken).toBe(false);
      for (const c of spec.containers) {
        expect(c.securityContext).toEqual({
          allowPrivilegeEscalation: false,
          readOnlyRootFilesystem: true,
          capabilities: { drop: ['ALL'] },
        });
        expect(c.resources.requests).toMatchObject({ cpu: expect.anything(), memory: expect.anything() });
        expect(c.resources.limits.memory).toBeDefined();
      }
    }
    expect(find(objects, 'Namespace', 'visionq').metadata.labels).toMatchObject({
      'pod-security.kubernetes.io/enforce': 'restricted',
    });
  });
});
