import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import { shared, testDefaults } from '../../vitest.shared.js';

// The fault suite (`pnpm test:faults`): real api and worker processes under load while workers are killed and
// RabbitMQ and Redis are stopped. One file at a time, after the main and disruptive runs, never beside them.
export default defineConfig({
  ...shared,
  test: {
    ...testDefaults,
    root: fileURLToPath(new URL('../..', import.meta.url)),
    include: ['apps/api/test/faults/**/*.faults.test.ts'],
    fileParallelism: false,
    testTimeout: 180_000,
    hookTimeout: 120_000,
    // The files match the main run's pattern too; there they skip themselves unless this is set.
    env: { VISIONQ_FAULTS: '1' },
    reporters: ['default', ['json', { outputFile: 'test-results/faults.json' }]],
  },
});
