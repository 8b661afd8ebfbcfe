import { defineConfig } from 'vitest/config';
import { shared, testDefaults } from './vitest.shared.js';

// `pnpm test:jepsen`: the adapters on a real cluster (`*.cluster.test.ts`), then the service under network and
// node faults with a checker over its history (`*.jepsen.test.ts`), all on the multi-host world of
// scripts/cluster.sh, which the script brings up first. One file at a time: they kill nodes and cut links.
export default defineConfig({
  ...shared,
  test: {
    ...testDefaults,
    include: ['packages/*/test/**/*.cluster.test.ts', 'apps/*/test/jepsen/**/*.jepsen.test.ts'],
    fileParallelism: false,
    // Generous: on a loaded machine a RabbitMQ CLI call alone can take a minute.
    testTimeout: 420_000,
    hookTimeout: 180_000,
    env: { VISIONQ_CLUSTER: '1' },
    reporters: ['default', ['json', { outputFile: 'test-results/jepsen.json' }]],
  },
});
