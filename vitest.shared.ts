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
};
