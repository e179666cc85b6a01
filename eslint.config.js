// Flat config: typescript-eslint's recommended rules plus the house rules of ../shared/STYLE.md.
import js from '@eslint/js'
import tseslint from 'typescript-eslint'

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'var/', '.tap/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: false } },
    rules: {
      'no-console': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }]
    }
  },
  {
    // Issue 12: the catalogue answers asynchronously, so a forgotten await is a lost write or an
    // unhandled rejection. These rules need type information, hence the project service.
    files: ['src/**/*.ts', 'bench/**/*.ts', 'test/**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': ['error', {
        // tap queues subtests and assertions itself; awaiting each `t.test` would only serialise the file
        allowForKnownSafeCalls: [
          { from: 'package', package: '@tapjs/test', name: ['test', 'todo', 'skip', 'only'] },
          { from: 'package', package: '@tapjs/asserts', name: ['rejects', 'resolves', 'resolveMatch', 'resolveMatchSnapshot'] }
        ]
      }],
      '@typescript-eslint/no-misused-promises': 'error'
    }
  },
  {
    // A capability is plain TypeScript: HTTP lives in src/http only (STYLE.md "Layout"), and it counts
    // through src/metrics.ts, never a metrics library (service/prometheus.ts implements it).
    files: ['src/**/*.ts'],
    ignores: ['src/http/**', 'src/main.ts', 'src/service/prometheus.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: ['fastify', 'fastify/*', '@fastify/*'], message: 'capabilities know nothing of HTTP' },
          { group: ['prom-client'], message: 'capabilities count through the Metrics interface of src/metrics.ts' }
        ]
      }]
    }
  },
  {
    // The CLI, scripts and benches write their results to stdout on purpose.
    files: ['src/cli/**', 'scripts/**', 'bench/**', 'bin/**'],
    rules: { 'no-console': 'off' }
  }
)
