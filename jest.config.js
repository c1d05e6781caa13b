// Two projects: `unit` is fast and needs no toolchain; `integration` builds for real
// (toolchain, CPython, modules) and runs Python inside the wasm runtime, so it gets long timeouts.
const transform = {
  '^.+\\.ts$': ['ts-jest', { useESM: true, diagnostics: false }],
};
const common = {
  extensionsToTreatAsEsm: ['.ts'],
  transform,
  testEnvironment: 'node',
  setupFiles: ['<rootDir>/test/polyfills.ts'],
  // Jest 30 warns about every module-level global it would clean up; none of ours leak.
  testEnvironmentOptions: { globalsCleanup: 'off' },
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
};

export default {
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/test/unit/**/*.test.ts'] },
    {
      ...common,
      displayName: 'integration',
      testMatch: ['<rootDir>/test/integration/**/*.test.ts'],
      setupFilesAfterEnv: ['<rootDir>/test/integration/setup.ts'],
    },
  ],
  reporters: ['default', '<rootDir>/test/summary-reporter.js'],
};
