// @ts-check
import js from '@eslint/js'
import tseslint from 'typescript-eslint'

/** Packages that must stay pure: no I/O, no clock, no ambient randomness (ARCHITECTURE.md). */
const purePackages = [
  'packages/domain/src/**/*.ts',
  'packages/perf/src/**/*.ts',
  'packages/scheduler/src/**/*.ts',
  'packages/engine/src/**/*.ts',
  'packages/sim/src/**/*.ts',
]

export default tseslint.config(
  {
    ignores: [
      '**/dist/**',
      '**/node_modules/**',
      'coverage/**',
      'test-output/**',
      'packages/console/src/api/schema.generated.ts',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      parserOptions: { project: ['./tsconfig.test.json'], tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      curly: ['error', 'all'],
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-non-null-assertion': 'error',
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
    },
  },
  {
    // the console is browser code with its own compiler settings (DOM, JSX, bundler resolution)
    files: ['packages/console/src/**/*.ts', 'packages/console/src/**/*.tsx'],
    languageOptions: {
      parserOptions: {
        project: ['./packages/console/tsconfig.json'],
        tsconfigRootDir: import.meta.dirname,
      },
    },
  },
  {
    files: ['**/*.js'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      parserOptions: { project: false },
      globals: {
        process: 'readonly',
        console: 'readonly',
        URL: 'readonly',
        performance: 'readonly',
      },
    },
  },
  {
    files: purePackages,
    ignores: ['**/*.test.ts', '**/*.test-support.ts', '**/*.bench.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['node:*'], message: 'domain/perf/scheduler are pure: no Node built-ins.' },
            {
              group: ['fs', 'path', 'os', 'child_process', 'http', 'https', 'net'],
              message: 'pure package: no I/O.',
            },
          ],
        },
      ],
      'no-restricted-properties': [
        'error',
        { object: 'Math', property: 'random', message: 'Take a seeded Rng as a parameter.' },
        { object: 'Date', property: 'now', message: 'Take a Clock as a parameter.' },
      ],
      'no-restricted-globals': [
        'error',
        { name: 'process', message: 'pure package: no process access.' },
        { name: 'fetch', message: 'pure package: no network.' },
      ],
    },
  },
)
