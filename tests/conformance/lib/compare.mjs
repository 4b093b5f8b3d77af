// Fails if a scenario that passed against the upstream directly fails through the gateway.
// Usage: node compare.mjs DIRECT_DIR GATEWAY_DIR [ALLOWED]   (each dir the CONFORMANCE_OUT of a run.sh run)
// ALLOWED: optional file of "<run-label> <scenario>" lines that may regress, each with a reason in comments
// (for example a bridge between protocol eras that cannot carry a server-chosen detail).
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';

const [directDir, gatewayDir, allowedFile] = process.argv.slice(2);
const allowed = new Set((allowedFile ? readFileSync(allowedFile, 'utf8') : '').split('\n')
  .map((l) => l.replace(/#.*/, '').trim()).filter(Boolean).map((l) => l.split(/\s+/).join(' ')));
if (!directDir || !gatewayDir) {
  console.error('usage: node compare.mjs DIRECT_RESULTS GATEWAY_RESULTS');
  process.exit(2);
}

// run.sh writes one sub-directory per (package version, requirements) run, each with summary.json.
const load = (root) => {
  const runs = {};
  for (const run of existsSync(root) ? readdirSync(root) : []) {
    const p = join(root, run, 'summary.json');
    if (existsSync(p)) runs[run] = JSON.parse(readFileSync(p, 'utf8')).scenarios;
  }
  return runs;
};

const direct = load(directDir);
const gateway = load(gatewayDir);
if (Object.keys(direct).length === 0) {
  console.error(`no summary.json files under ${directDir}; run tests/conformance/run.sh first`);
  process.exit(2);
}

let regressions = 0;
for (const [run, scenarios] of Object.entries(direct)) {
  for (const [name, d] of Object.entries(scenarios).sort(([a], [b]) => a.localeCompare(b))) {
    if (d.status !== 'pass') continue;
    const g = gateway[run]?.[name];
    if (!g) {
      console.log(`REGRESSION  ${run}  ${name}: passed directly, missing from gateway results`);
      regressions++;
    } else if (g.status !== 'pass' && allowed.has(`${run} ${name}`)) {
      console.log(`ALLOWED     ${run}  ${name}: passed directly, fails through the gateway (listed in ${allowedFile})`);
    } else if (g.status !== 'pass') {
      console.log(`REGRESSION  ${run}  ${name}: passed directly, failed through the gateway`);
      for (const f of g.failures ?? []) console.log(`            - ${f}`);
      regressions++;
    }
  }
  for (const [name, g] of Object.entries(gateway[run] ?? {})) {
    if (g.status === 'pass' && scenarios[name]?.status === 'fail') {
      console.log(`note        ${run}  ${name}: failed directly but passes through the gateway`);
    }
  }
}

console.log(regressions === 0
  ? 'OK: every scenario that passed directly also passes through the gateway'
  : `${regressions} scenario(s) regressed through the gateway`);
process.exit(regressions === 0 ? 0 : 1);
