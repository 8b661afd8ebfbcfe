import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { validate } from 'dockerfile-utils';
import { describe, expect, it } from 'vitest';
import {
  DEPLOY,
  contextFilter,
  dockerStages,
  targetCommand,
  targetEnv,
  targetInstructions,
} from './support.js';

// What can be checked of the Dockerfile without a Docker engine: its syntax (dockerfile-utils, the linter behind
// the VS Code Docker extension), what each target runs as and runs, and what the build context lets in.
// bundle.test.ts then builds what the build stage builds and runs what each target runs.

const content = readFileSync(join(DEPLOY, 'Dockerfile'), 'utf8');
const stages = dockerStages(content);
const ignore = contextFilter();

describe('deploy/Dockerfile', () => {
  it('has no syntax or semantic problem that dockerfile-utils finds', () => {
    expect(validate(content).map((d) => `line ${d.range.start.line + 1}: ${d.message}`)).toEqual([]);
    expect(validate('FROM node:20 AS a\nCOPYY . .\nUSER\n').length).toBe(2);
  });

  it.each(['api', 'worker', 'all-in-one'])(
    'target %s runs as the unprivileged node user, from the bundle',
    (target) => {
      const users = targetInstructions(stages, target).filter(({ keyword }) => keyword === 'USER');
      expect(users.at(-1)?.args).toBe('node');
      expect(targetCommand(stages, target)).toEqual(['node', `apps/${target}/dist/main.js`]);
      expect(targetEnv(stages, target)).toMatchObject({
        NODE_ENV: 'production',
        MODEL_PATH: '/app/models/traffic-signs/traffic-signs.onnx',
      });
      // Code is copied in owned by root: the node user can read it, not rewrite it.
      for (const { keyword, text } of targetInstructions(stages, target)) {
        if (keyword === 'COPY') expect(text).toMatch(/--chown=root:root/);
      }
    },
  );

  it('the API image listens on all interfaces, in Firebase mode unless told otherwise, with a health check', () => {
    expect(targetEnv(stages, 'api')).toMatchObject({ HOST: '0.0.0.0', PORT: '8080', AUTH_MODE: 'firebase' });
    const check = targetInstructions(stages, 'api').find(({ keyword }) => keyword === 'HEALTHCHECK');
    expect(check?.args).toContain('/healthz');
  });

  it('the worker image serves its metrics on all interfaces, at the port it exposes', () => {
    expect(targetEnv(stages, 'worker')).toMatchObject({
      WORKER_METRICS_HOST: '0.0.0.0',
      WORKER_METRICS_PORT: '9464',
    });
    const exposed = targetInstructions(stages, 'worker').filter(({ keyword }) => keyword === 'EXPOSE');
    expect(exposed.map(({ args }) => args)).toEqual(['9464']);
  });

  it('every base image is pinned to a major version and a slim glibc Debian (sharp and onnxruntime need glibc)', () => {
    expect(content).toMatch(/^ARG NODE_IMAGE=node:24-bookworm-slim$/m);
    expect(stages.filter((stage) => !stages.some((other) => other.name === stage.from))).toHaveLength(2);
  });
});

describe('.dockerignore', () => {
  it.each([
    'secrets/firebase-key.json',
    'secrets/README.md',
    '.env',
    '.env.production',
    '.git/HEAD',
    'node_modules/zod/package.json',
    'packages/core/node_modules/zod/package.json',
    'packages/core/dist/index.js',
    '.turbo/cache/x.tar.zst',
    'models/traffic-signs/.cache/scenes.npz',
    'test-results/main.json',
  ])('keeps %s out of the build context', (path) => {
    expect(ignore.ignores(path)).toBe(true);
  });

  it.each([
    'package.json',
    'pnpm-lock.yaml',
    'pnpm-workspace.yaml',
    'deploy/bundle.sh',
    'deploy/package.json',
    'packages/core/src/index.ts',
    'packages/core/package.json',
    'apps/api/src/main.ts',
    'apps/all-in-one/src/main.ts',
    'apps/service-kit/src/index.ts',
    'apps/api/public/index.html',
    'models/traffic-signs/traffic-signs.onnx',
    'models/traffic-signs/traffic-signs.json',
  ])('lets %s in', (path) => {
    expect(ignore.ignores(path)).toBe(false);
  });
});
