import { jestConfig } from '../jest.base.js';

// Training runs real Python: allow minutes, not seconds.
export default jestConfig({ rootDir: import.meta.dirname, testTimeout: 240_000 });
