import { defineConfig, mergeConfig, type ViteUserConfig } from 'vitest/config';

// Settings every vitest run shares. Tests import workspace packages through their `@visionq/source` export
// condition, i.e. straight from src/, so that no build is needed to test.
export const conditions = ['@visionq/source'];

export const shared = {
  resolve: { conditions },
  ssr: { resolve: { conditions } },
};

export const testDefaults = {
  exclude: ['**/node_modules/**', '**/dist/**'],
  testTimeout: 30_000,
  hookTimeout: 60_000,
  // In CI, a failed test is run once more. Most of these tests are real processes, servers and browsers on a
  // shared 2-core machine, where a rare timing loss is not a defect of the code; scripts/test-totals.mjs still
  // names every test that passed only on its second run (docs/decisions.md, "A second run in CI").
  retry: process.env.CI ? 1 : 0,
};

/**
 * Tests that never run beside others: those that stop RabbitMQ or Redis (`*.disruptive.test.ts`) or measure
 * responsiveness (`*.alone.test.ts`) run one file at a time after everything else (vitest.disruptive.config.ts),
 * the fault suite (`*.faults.test.ts`) on its own (`pnpm test:faults`), the container images built and run
 * with podman (`*.podman.test.ts`) on their own too (`pnpm test:deploy`), and the multi-host tests in
 * `pnpm test:jepsen`.
 */
export const runAlone = [
  '**/*.disruptive.test.ts',
  '**/*.alone.test.ts',
  '**/*.faults.test.ts',
  '**/*.podman.test.ts',
  // The adapters on a real cluster and the faults on it: `pnpm test:jepsen`, on the world of scripts/cluster.sh.
  '**/*.cluster.test.ts',
  '**/*.jepsen.test.ts',
];

/**
 * The config of one workspace member's own tests (`pnpm --filter <name> test`, or `turbo run test`): its
 * test/ folder, minus the tests that run alone, with a JSON report in its test-results/ folder that
 * scripts/test-totals.mjs adds up and turbo restores from its cache.
 */
export function memberConfig(overrides: ViteUserConfig = {}): ViteUserConfig {
  return mergeConfig(
    defineConfig({
      ...shared,
      test: {
        ...testDefaults,
        include: ['test/**/*.test.ts'],
        exclude: [...testDefaults.exclude, ...runAlone],
        reporters: ['default', ['json', { outputFile: 'test-results/vitest.json' }]],
      },
    }),
    overrides,
  );
}
