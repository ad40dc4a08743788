// One Jest setup for every TypeScript package: ESM (NestJS 12 ships ESM only), ts-jest against the
// package's own tsconfig. Run through `node --experimental-vm-modules`, which Jest needs for ESM.
/**
 * @param {{ rootDir: string, testMatch?: string[], testPathIgnorePatterns?: string[], testTimeout?: number,
 *   reportName?: string }} options  reportName: the name of the run's figures (default: the package's folder)
 */
export function jestConfig({ rootDir, testMatch, testPathIgnorePatterns, testTimeout, reportName }) {
  return {
    rootDir,
    testEnvironment: 'node',
    setupFiles: [new URL('./jest.test-env.js', import.meta.url).pathname],
    extensionsToTreatAsEsm: ['.ts'],
    moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
    transform: {
      '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: `${rootDir}/tsconfig.json` }],
    },
    testMatch: testMatch ?? ['<rootDir>/src/**/*.spec.ts', '<rootDir>/test/**/*.e2e-spec.ts'],
    testPathIgnorePatterns: testPathIgnorePatterns ?? ['/node_modules/'],
    testTimeout: testTimeout ?? 30_000,
    reporters: ['default', [new URL('./jest-report.js', import.meta.url).pathname, { name: reportName }]],
  };
}
