import { defineConfig } from 'vitest/config';
import { shared, testDefaults } from './vitest.shared.js';

// Tests that must run alone, one file at a time, after everything else: those that stop and start RabbitMQ or
// Redis (`*.disruptive.test.ts`), so that they never pull a server from under another test, and those that
// measure responsiveness (`*.alone.test.ts`), so that other tests do not load the machine meanwhile.
export default defineConfig({
  ...shared,
  test: {
    ...testDefaults,
    include: ['{packages,apps}/*/test/**/*.{disruptive,alone}.test.ts'],
    fileParallelism: false,
    passWithNoTests: true,
    reporters: ['default', ['json', { outputFile: 'test-results/disruptive.json' }]],
  },
});
