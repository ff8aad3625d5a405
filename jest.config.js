/** Unit, integration, end-to-end and compat tests; type-checking is `npm run typecheck`. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.[tj]sx?$': ['ts-jest', { tsconfig: { isolatedModules: true, rootDir: __dirname, module: 'commonjs', moduleResolution: 'node10', allowJs: true, esModuleInterop: true, target: 'ES2022', ignoreDeprecations: '6.0', verbatimModuleSyntax: false } }],
  },
  // middy and aws-local-stepfunctions ship ESM only: let ts-jest turn them into CommonJS.
  transformIgnorePatterns: ['/node_modules/(?!(@middy|aws-local-stepfunctions)/)'],
  // middy publishes only an `import` export; map it to its file as tsconfig `paths` does for tsx and esbuild.
  moduleNameMapper: { '^@middy/(core|util)$': '<rootDir>/node_modules/@middy/$1/index.js' },
  setupFiles: ['<rootDir>/test/support/quiet-logs.js'],
  reporters: ['default', '<rootDir>/test/support/plain-summary-reporter.js'],
  testTimeout: 60000,
};
