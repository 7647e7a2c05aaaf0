#!/usr/bin/env node
// Measures what a presenter feels: the whole demo's wall time and the hook's latency, on loopback.
// Speed lives here, not in the tests. Run with `npm run bench` (it builds first).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { Chalk } from 'chalk';
import { main } from '../dist/cli.js';
import { loadConfig } from '../dist/config.js';
import { startStack } from '../dist/stack.js';
import { inspectInputs } from '../dist/hook/sensitivity.js';

const cwd = mkdtempSync(join(tmpdir(), 'duo-arcade-bench-'));
const bearer = 'bench-bearer-0123456789';
const quiet = () => ({
  stdout: new PassThrough().resume(),
  stderr: new PassThrough().resume(),
  stdin: new PassThrough(),
  env: { HOOK_BEARER_TOKEN: bearer },
  cwd,
  colour: new Chalk({ level: 0 }),
  interactive: false,
});

function stats(samples) {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (p) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
  return { n: sorted.length, p50: +at(0.5).toFixed(2), p95: +at(0.95).toFixed(2), max: +sorted.at(-1).toFixed(2) };
}

const demoRuns = [];
for (let i = 0; i < 5; i++) {
  const started = performance.now();
  const code = await main(['node', 'duo-arcade', 'demo', '--yes'], quiet());
  if (code !== 0) throw new Error(`demo exited ${code}`);
  demoRuns.push(performance.now() - started);
}

const stack = await startStack(loadConfig({ env: { HOOK_BEARER_TOKEN: bearer }, cwd, flags: { mode: 'local', port: 0 } }));
const call = async (inputs) => {
  const started = performance.now();
  const response = await fetch(stack.hookUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${bearer}` },
    body: JSON.stringify({
      execution_id: `bench-${Math.random().toString(36).slice(2)}`,
      tool: { name: 'ListContacts', toolkit: 'DuoCrm', version: '1.0.0' },
      inputs,
      context: { user_id: 'bench' },
    }),
  });
  const body = await response.json();
  return { ms: performance.now() - started, body };
};
const plain = [];
for (let i = 0; i < 500; i++) plain.push((await call({ query: `customer ${i}` })).ms);
stack.emulator.phone.setPolicy('approve');
const pushed = [];
for (let i = 0; i < 50; i++) {
  const { ms, body } = await call({ query: 'defence' });
  if (body.code !== 'OK') throw new Error(`unexpected ${JSON.stringify(body)}`);
  pushed.push(ms);
}
await stack.close();

// Reading crafted inputs near the hook's 64 KiB body limit: the work must stay bounded, since a slow read holds the
// event loop and every other hook call with it. Four fields of 3,999 characters is the most that is read in full.
const terms = ['defence', 'defense', 'classified', 'military', 'intelligence'];
const crafted = ['c ', 'mi ', 'ic.', 'd e f e n ', 'ǝ'].flatMap((unit) => [
  { query: unit.repeat(Math.floor(60_000 / unit.length)) },
  Object.fromEntries(['a', 'b', 'c', 'd'].map((key) => [key, unit.repeat(Math.floor(3_999 / unit.length))])),
]);
const matching = [];
for (let round = 0; round < 5; round++)
  for (const inputs of crafted) {
    const started = performance.now();
    inspectInputs(inputs, terms);
    matching.push(performance.now() - started);
  }

const report = {
  node: process.version,
  demoWallMs: stats(demoRuns),
  hookNonSensitiveMs: stats(plain),
  hookSensitiveApprovedMs: stats(pushed),
  inspectCraftedInputsMs: stats(matching),
};
console.log(JSON.stringify(report, null, 2));
