import { defineConfig } from 'vitest/config';
import { shared, testDefaults } from './vitest.shared.js';

// Every workspace member's own tests in one vitest process (`pnpm vitest run <path>` picks files across all of
// them). `pnpm test` runs the same tests member by member through turbo instead (`turbo run test`).
export default defineConfig({
  ...shared,
  test: {
    ...testDefaults,
    projects: [
      '{packages,apps,examples,models}/*/vitest.config.ts',
      'deploy/vitest.config.ts',
      'test/vitest.config.ts',
    ],
    reporters: ['default', ['json', { outputFile: 'test-results/main.json' }]],
  },
});
