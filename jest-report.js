// A Jest reporter that writes the run's figures to $CT_REPORT_DIR for scripts/test-summary.mjs.
import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';

export default class CountsReporter {
  constructor(globalConfig) {
    this.rootDir = globalConfig.rootDir;
  }

  onRunComplete(_contexts, results) {
    const dir = process.env.CT_REPORT_DIR;
    if (!dir) return;
    mkdirSync(dir, { recursive: true });
    const figures = {
      passed: results.numPassedTests,
      failed: results.numFailedTests + results.numRuntimeErrorTestSuites,
      skipped: results.numPendingTests + results.numTodoTests,
    };
    writeFileSync(join(dir, `jest-${basename(this.rootDir)}.json`), `${JSON.stringify(figures)}\n`);
  }
}
