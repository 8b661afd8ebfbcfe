import { defineConfig } from 'vitest/config';
import { shared, testDefaults } from './vitest.shared.js';

// Tests that stop and start RabbitMQ or Redis: one file at a time, after everything else, so that they never
// pull a server out from under another test.
export default defineConfig({
  ...shared,
  test: {
    ...testDefaults,
    include: ['{packages,apps}/*/test/**/*.disruptive.test.ts'],
    fileParallelism: false,
    passWithNoTests: true,
    reporters: ['default', ['json', { outputFile: 'test-results/disruptive.json' }]],
  },
});
