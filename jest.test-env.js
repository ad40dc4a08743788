// Runs before every test file: the audit trail of apps started by tests (in process or as children that
// inherit this environment) goes to a temporary folder, never into the checkout.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

process.env.AUDIT_FILE ??= join(mkdtempSync(join(tmpdir(), 'ct-test-audit-')), 'audit.jsonl');
