import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', '**/test-results/**', '**/*.d.ts', 'models/**/.cache/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-properties': [
        'error',
        { object: 'process', property: 'env', message: 'Only apps read configuration, once, through zod.' },
      ],
    },
  },
  {
    files: [
      'apps/**',
      'scripts/**',
      'tools/test-support/**',
      'examples/**',
      '**/test/**',
      '**/bench/**',
      '*.config.*',
      'vitest.shared.ts',
      '.ci/**',
    ],
    rules: { 'no-restricted-properties': 'off' },
  },
  {
    files: ['**/public/**/*.js', 'apps/api/docs-page/*.js'],
    languageOptions: { globals: { ...globals.browser } },
  },
);
