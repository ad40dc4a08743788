import { jestConfig } from '../../jest.base.js';

export default jestConfig({ rootDir: import.meta.dirname, testMatch: ['<rootDir>/test/**/*.spec.ts'] });
