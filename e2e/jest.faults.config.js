import { jestConfig } from '../jest.base.js';

// The fault suite (docs/failure-modes.md): `pnpm --filter @ct/e2e test:faults`, after the other e2e tests.
export default jestConfig({
  rootDir: import.meta.dirname,
  testMatch: ['<rootDir>/test/faults/**/*.e2e-spec.ts'],
  testTimeout: 240_000,
  reportName: 'e2e-faults',
});
