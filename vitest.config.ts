import { defineConfig } from 'vitest/config';
import { shared, testDefaults } from './vitest.shared.js';

export default defineConfig({
  ...shared,
  test: {
    ...testDefaults,
    include: [
      'test/**/*.test.ts',
      '{packages,apps,examples,models}/*/test/**/*.test.ts',
      'deploy/test/**/*.test.ts',
    ],
    exclude: [
      ...testDefaults.exclude,
      '**/*.disruptive.test.ts',
      '**/*.alone.test.ts',
      '**/*.faults.test.ts',
      '**/*.cluster.test.ts',
      '**/*.jepsen.test.ts',
    ],
    reporters: ['default', ['json', { outputFile: 'test-results/main.json' }]],
  },
});
