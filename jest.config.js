/** Unit, integration, end-to-end and compat tests; type-checking is `npm run typecheck`. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.[tj]sx?$': ['ts-jest', { isolatedModules: true, tsconfig: { module: 'commonjs', moduleResolution: 'node10', allowJs: true, esModuleInterop: true, target: 'ES2022', ignoreDeprecations: '6.0', verbatimModuleSyntax: false } }],
  },
  // middy and aws-local-stepfunctions ship ESM only: let ts-jest turn them into CommonJS.
  transformIgnorePatterns: ['/node_modules/(?!(@middy|aws-local-stepfunctions)/)'],
  testTimeout: 60000,
};
