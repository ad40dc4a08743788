import { jestConfig } from '../jest.base.js';

// Training runs real Python: allow minutes, not seconds. The fault suite runs on its own (jest.faults.config.js).
export default jestConfig({
  rootDir: import.meta.dirname,
  testTimeout: 240_000,
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/faults/'],
});
