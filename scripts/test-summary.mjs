// Adds up the figures every suite wrote into the report folder and prints one closing line.
// Fails when a suite failed, skipped tests, or wrote no report at all.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.argv[2];
const totals = { passed: 0, failed: 0, skipped: 0 };
const rows = [];
for (const file of readdirSync(dir).sort()) {
  const text = readFileSync(join(dir, file), 'utf8');
  let figures;
  if (file.endsWith('.json')) {
    figures = JSON.parse(text);
  } else if (file.endsWith('.xml')) {
    const attr = (name) => Number(new RegExp(`<testsuite[^>]*\\s${name}="(\\d+)"`).exec(text)?.[1] ?? 0);
    const failed = attr('failures') + attr('errors');
    figures = { passed: attr('tests') - failed - attr('skipped'), failed, skipped: attr('skipped') };
  } else continue;
  rows.push(
    `  ${file.replace(/\.(json|xml)$/, '').padEnd(24)} ${figures.passed} passed, ${figures.failed} failed, ${figures.skipped} skipped`,
  );
  for (const key of Object.keys(totals)) totals[key] += figures[key];
}
console.log(`\nTest reports (${dir}):\n${rows.join('\n')}`);
if (rows.length === 0) console.log('  no suite wrote a report');
if (totals.skipped > 0) console.log('Skipped tests are not allowed: remove or fix them.');
console.log(`\n${totals.passed} passed, ${totals.failed} failed`);
process.exit(totals.failed === 0 && totals.skipped === 0 && rows.length > 0 ? 0 : 1);
