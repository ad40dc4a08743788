// A Jest reporter that writes the run's figures to $CT_REPORT_DIR for scripts/test-summary.mjs, named after the
// package's folder or as its configuration says (the e2e fault suite, run on its own).
import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';

export default class CountsReporter {
  constructor(globalConfig, options) {
    this.name = options?.name ?? basename(globalConfig.rootDir);
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
    writeFileSync(join(dir, `jest-${this.name}.json`), `${JSON.stringify(figures)}\n`);
  }
}
