import { defineConfig } from 'vitest/config';
import { shared, testDefaults } from '../vitest.shared.js';

// `pnpm test:deploy`: the images built with podman and run (deploy/README.md). One file at a time: each starts
// containers, and the compose stack and the played manifests must not meet.
export default defineConfig({
  ...shared,
  test: {
    ...testDefaults,
    include: ['deploy/test/**/*.podman.test.ts'],
    globalSetup: ['deploy/test/podman-setup.ts'],
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 300_000,
    reporters: ['default', ['json', { outputFile: 'test-results/deploy.json' }]],
  },
});
