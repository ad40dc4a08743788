// Submits a job file to the API and follows it to the end, printing each state, step and metric, then the
// registered model version, the promotion decision and where the champion alias points.
// Usage: node scripts/follow-job.mjs <job.json>   (CT_API_URL, CT_API_KEY from the environment)
// Exits 0 only when the job succeeds.
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

const [file] = process.argv.slice(2);
const api = process.env.CT_API_URL ?? 'http://127.0.0.1:3000';
const headers = { authorization: `Bearer ${process.env.CT_API_KEY}`, 'content-type': 'application/json' };

async function call(method, path, body) {
  const response = await fetch(`${api}${path}`, { method, headers, ...(body ? { body } : {}) });
  const json = await response.json();
  if (response.status >= 400)
    throw new Error(`${method} ${path}: ${response.status} ${json.code}: ${json.message}`);
  return json;
}

// A fresh idempotency key per run, so the demo trains anew each time `stack.sh up` runs.
const submission = JSON.parse(readFileSync(file, 'utf8'));
if (submission.idempotencyKey) submission.idempotencyKey += `-${Date.now()}`;
let job = await call('POST', '/v1/jobs', JSON.stringify(submission));
console.log(`submitted job ${job.id} (pipeline ${job.pipeline})`);
let seen = '';
const deadline = Date.now() + 15 * 60_000;
while (!['succeeded', 'failed', 'cancelled'].includes(job.state) && Date.now() < deadline) {
  await sleep(1000);
  job = await call('GET', `/v1/jobs/${job.id}`);
  const line = `${job.state}${job.progress.step ? `: ${job.progress.step} ${Math.round(job.progress.fraction * 100)}%` : ''}`;
  if (line !== seen) console.log(`  ${line}`);
  seen = line;
}
console.log(
  `job ${job.id} ${job.state}${job.failureReason ? ` (${job.failureReason}: ${job.failureMessage})` : ''}`,
);
for (const [key, value] of Object.entries(job.metrics)) console.log(`  ${key} = ${Number(value).toFixed(4)}`);
if (job.mlflowRunId) console.log(`  MLflow run ${job.mlflowRunId}, model ${job.modelUri}`);
if (job.registeredModel && job.modelVersion) {
  console.log(`  registered ${job.registeredModel} version ${job.modelVersion}`);
  const d = job.decision;
  if (d) {
    const champion = d.primary.champion === null ? 'no champion yet' : `champion ${d.primary.champion}`;
    console.log(`  decision (${d.policy}): ${d.outcome}${d.alias ? `, alias ${d.alias}` : ''} - ${d.reason}`);
    console.log(
      `    ${d.primary.metric} (${d.primary.direction}): challenger ${d.primary.challenger}, ${champion}`,
    );
  }
  const model = await call('GET', `/v1/models/${job.registeredModel}`);
  console.log(`  champion alias: ${model.aliases.champion ? `version ${model.aliases.champion}` : 'none'}`);
  console.log(
    `  MLflow UI: ${process.env.CT_MLFLOW_URL ?? 'http://127.0.0.1:5050'}/#/models/${job.registeredModel}`,
  );
}
process.exit(job.state === 'succeeded' ? 0 : 1);
