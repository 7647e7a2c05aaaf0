import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../src/cli.js';
import { listBuiltInScenarios, parseScenario } from '../src/scenarios/loader.js';
import { captureTerminal } from './support/stack.js';

const dir = mkdtempSync(join(tmpdir(), 'duo-arcade-scenarios-'));
function scenarioFile(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

async function run(args: string[], env = {}) {
  const term = captureTerminal(env);
  const code = await main(['node', 'duo-arcade', ...args], term);
  return { code, out: term.out(), err: term.err() };
}

describe('built-in scenarios', () => {
  it('ships list, defence and revoke, in that order', () => {
    expect(listBuiltInScenarios().map((s) => s.name)).toEqual(['list', 'defence', 'revoke']);
  });

  for (const name of ['list', 'defence', 'revoke']) {
    it(`plays "${name}" non-interactively with every expectation met`, async () => {
      const { code, out, err } = await run(['scenario', 'run', name, '--yes', '--json']);
      expect(err).not.toMatch(/^\s*✗ /m);
      expect(code).toBe(0);
      const report = JSON.parse(out) as { ok: boolean; scenarios: Array<{ name: string; steps: Array<{ passed: boolean }> }> };
      expect(report.ok).toBe(true);
      expect(report.scenarios[0]!.name).toBe(name);
      expect(report.scenarios[0]!.steps.every((s) => s.passed)).toBe(true);
    });
  }

  it('narrates the push and the decisions of the defence scenario', async () => {
    const { err } = await run(['scenario', 'defence', '--yes']);
    expect(err).toContain('Duo Mobile');
    expect(err).toMatch(/query +defence/);
    expect(err).toMatch(/discloses +Riley Vance \(Aegis Defence Systems\)/);
    expect(err).toMatch(/hook +› OK · approved on the phone/);
    expect(err).toMatch(/hook +› CHECK_FAILED · Duo approval was denied on the phone/);
    expect(err).toContain('Riley Vance');
  });

  it('follows the actual answer when --deny overrides the script: the agent is stopped and reveals nothing', async () => {
    const { code, err } = await run(['scenario', 'defence', '--yes', '--deny']);
    expect(code).toBe(0);
    expect(err).toMatch(/the push was denied instead of approved/);
    expect(err).toContain('result does not reveal “Riley Vance”');
    expect(err).not.toMatch(/hook +› OK/);
  });

  it('follows the actual answer when --approve overrides a scripted deny', async () => {
    const { code, err } = await run(['scenario', 'defence', '--yes', '--approve']);
    expect(code).toBe(0);
    expect(err).toMatch(/the push was approved instead of denied/);
  });

  it('lists the scenarios on stdout with list, no name, --list or ls', async () => {
    for (const args of [['scenario', 'list'], ['scenario'], ['scenario', '--list'], ['scenario', 'ls']]) {
      const { code, out } = await run(args);
      expect(code).toBe(0);
      expect(
        out
          .split('\n')
          .filter(Boolean)
          .map((line) => line.split(/\s+/)[0]),
      ).toEqual(['list', 'defence', 'revoke']);
    }
  });

  it('lists them as JSON with --json', async () => {
    const { out } = await run(['scenario', '--list', '--json']);
    expect((JSON.parse(out) as Array<{ name: string }>).map((s) => s.name)).toEqual(['list', 'defence', 'revoke']);
  });

  it('plays the real checks even with development switches and another policy left in the environment', async () => {
    const env = { DEV_ALLOW_INSECURE: 'true', STEPUP_DEV_MODE: 'allow', SENSITIVE_QUERY_TERMS: 'banana', STEPUP_MAX_PENDING: '1' };
    const { code, err } = await run(['demo', '--yes'], env);
    expect(err).toMatch(/DEV_ALLOW_INSECURE, STEPUP_DEV_MODE, SENSITIVE_QUERY_TERMS, STEPUP_MAX_PENDING are for `serve`/);
    expect(err).not.toMatch(/^\s*✗ /m);
    expect(code).toBe(0);
  });

  it('names an unknown scenario with exit 2 and the known ones', async () => {
    const { code, err } = await run(['scenario', 'nope', '--yes']);
    expect(code).toBe(2);
    expect(err).toContain('There is no scenario called "nope"');
    expect(err).toContain('list, defence, revoke');
  });
});

describe('scenario files are validated on load', () => {
  it('names every wrong field with its line', async () => {
    const path = scenarioFile(
      'bad.yaml',
      [
        'name: bad',
        'title: Bad',
        'summary: A bad file',
        'steps:',
        '  - title: one',
        '    call:',
        '      tool: delete_everything',
        '    expect:',
        '      outcome: maybe',
        '  - title: two',
        '    colour: blue',
        '    duo: { action: revoke, scope: crm.deals.read }',
        '  - title: three',
        '',
      ].join('\n'),
    );
    const { code, err } = await run(['scenario', path, '--yes']);
    expect(code).toBe(1);
    expect(err).toMatch(/steps\[0\]\.call\.tool \(line 7\): must be one of list_contacts/);
    expect(err).toMatch(/steps\[0\]\.expect\.outcome \(line 9\)/);
    expect(err).toMatch(/steps\[1\].*Unrecognized key: "colour"/);
    expect(err).toMatch(/steps\[2\].*needs one of "call", "duo" or "login"/);
    expect(err).not.toMatch(/\n\s+at /);
  });

  it('reports a YAML syntax error with its line', () => {
    expect(() => parseScenario('name: x\ntitle: [unclosed\n', 'broken.yaml')).toThrow(
      /broken\.yaml is not valid YAML \(line \d+, column \d+\)/,
    );
  });

  it('reports a JSON syntax error as JSON, with its line', () => {
    expect(() => parseScenario('{\n "name": "x",\n}', 'broken.json')).toThrow(/broken\.json is not valid JSON \(line 3\)/);
  });

  it('says a missing field is required, where it belongs', () => {
    expect(() => parseScenario('title: T\nsummary: S\nsteps:\n  - title: a\n    call: { tool: list_deals }\n', 'missing.yaml')).toThrow(
      /name \(line 1\): is required[\s\S]*steps\[0\]\.narrate \(line 4\): is required[\s\S]*steps\[0\]\.expect \(line 4\): is required/,
    );
  });

  it('loads an existing file whatever its extension, and gives exit 2 for a missing one', async () => {
    const path = scenarioFile(
      'mini.txt',
      [
        'name: mini',
        'title: Mini',
        'summary: S',
        'steps:',
        '  - title: deals',
        '    narrate: The deals.',
        '    call: { tool: list_deals }',
        '    expect: { outcome: success }',
        '',
      ].join('\n'),
    );
    expect((await run(['scenario', path, '--yes'])).code).toBe(0);
    const missing = await run(['scenario', join(dir, 'nope.yaml'), '--yes']);
    expect(missing.code).toBe(2);
    expect(missing.err).toContain('Scenario file not found');
  });

  it('says what a field must be in plain words, and names every wrong field however many', async () => {
    const steps = Array.from({ length: 12 }, (_, i) => `  - title: s${i}\n    narrate: n\n    duo: 5\n`).join('');
    const path = scenarioFile('many.yaml', `name: many\ntitle: Many\nsummary: x\nsteps:\n${steps}`);
    const { code, err } = await run(['scenario', path, '--yes']);
    expect(code).toBe(1);
    expect(err.match(/must be an object, not number/g)).toHaveLength(12);
    expect(err).not.toMatch(/more/);
    const outcome = scenarioFile(
      'outcome.yaml',
      'name: o\ntitle: O\nsummary: x\nsteps:\n  - title: a\n    narrate: n\n    call: { tool: list_deals }\n    expect: { outcome: maybe }\n',
    );
    expect((await run(['scenario', outcome, '--yes'])).err).toMatch(/expect\.outcome \(line 8\): must be one of success, denied, error$/m);
  });

  it('refuses a name together with --list, run without a name, and a second name (exit 2)', async () => {
    expect((await run(['scenario', '--list', 'defence'])).code).toBe(2);
    expect((await run(['scenario', 'run'])).code).toBe(2);
    expect((await run(['scenario', 'defence', 'revoke'])).code).toBe(2);
  });

  it('plays a built-in scenario by its name alone, as short for run', async () => {
    const { code, out } = await run(['scenario', 'defence', '--yes', '--json']);
    expect(code).toBe(0);
    expect((JSON.parse(out) as { scenarios: Array<{ name: string }> }).scenarios[0]!.name).toBe('defence');
  });

  it('accepts JSON files', async () => {
    const path = scenarioFile(
      'mini.json',
      JSON.stringify({
        name: 'mini',
        title: 'Mini',
        summary: 'One call',
        steps: [{ title: 'deals', narrate: 'The deals.', call: { tool: 'list_deals' }, expect: { outcome: 'success', push: false } }],
      }),
    );
    const { code } = await run(['scenario', path, '--yes']);
    expect(code).toBe(0);
  });

  it('fails the run (exit 1) when an expectation is not met', async () => {
    const path = scenarioFile(
      'wrong.yaml',
      [
        'name: wrong',
        'title: Wrong',
        'summary: Expects a push that never comes',
        'steps:',
        '  - title: list',
        '    narrate: Everyone.',
        '    call: { tool: list_contacts }',
        '    expect: { outcome: success, push: true, contains: [Nobody Here] }',
        '',
      ].join('\n'),
    );
    const { code, err } = await run(['scenario', path, '--yes']);
    expect(code).toBe(1);
    expect(err).toContain('expected a Duo Push, but none was sent');
    expect(err).toContain('expected the result to mention “Nobody Here”');
  });
});
