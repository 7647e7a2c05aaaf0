import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { encodePushinfo } from '../src/duo/auth-api-client.js';
import type { HookDecisionEvent } from '../src/events.js';
import { ArcadeStandIn } from '../src/mcp/arcade-standin.js';
import { startStack, type Stack } from '../src/stack.js';
import { findTool } from '../src/tools.js';
import { main } from '../src/cli.js';
import { EMPTY_DIR, TEST_BEARER, captureTerminal, duoSettingsOf, startLocalStack } from './support/stack.js';
import { BENIGN_INPUTS, BYPASS_ATTEMPTS } from './support/bypass-cases.js';

interface HookCall {
  tool?: string;
  inputs: Record<string, unknown>;
  executionId?: string;
  context?: Record<string, unknown>;
}

async function callHook(stack: Stack, call: HookCall) {
  const response = await fetch(stack.hookUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${TEST_BEARER}` },
    body: JSON.stringify({
      execution_id: call.executionId ?? `e_${Math.random().toString(36).slice(2)}`,
      tool: { name: call.tool ?? 'ListContacts', toolkit: 'DuoCrm', version: '1.0.0' },
      inputs: call.inputs,
      context: call.context ?? { user_id: 'demouser' },
    }),
  });
  expect(response.status).toBe(200);
  return (await response.json()) as {
    code: 'OK' | 'CHECK_FAILED' | 'RATE_LIMIT_EXCEEDED';
    error_message?: string;
    override?: { inputs: Record<string, unknown> };
  };
}

/** Records every decision the hook makes, for assertions on outcome and rule. */
function decisionsOf(stack: Stack): HookDecisionEvent[] {
  const seen: HookDecisionEvent[] = [];
  stack.events.on('hook.decision', (event) => seen.push(event));
  return seen;
}

describe('bypass attempts through the hook', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startLocalStack({ STEPUP_DEV_MODE: 'deny' });
  });
  afterAll(async () => stack.close());

  for (const [name, inputs] of BYPASS_ATTEMPTS) {
    it(`steps up: ${name}`, async () => {
      expect((await callHook(stack, { inputs })).code).toBe('CHECK_FAILED');
    });
  }
  for (const [name, inputs] of BENIGN_INPUTS) {
    it(`stays instant: ${name}`, async () => {
      expect(await callHook(stack, { inputs })).toEqual({ code: 'OK' });
    });
  }
});

describe('restricted records', () => {
  let stack: Stack;
  let decisions: HookDecisionEvent[];
  beforeAll(async () => {
    stack = await startLocalStack();
    decisions = decisionsOf(stack);
  });
  afterAll(async () => stack.close());

  const cases: Array<[string, HookCall, boolean]> = [
    ['get_contact on the restricted id', { tool: 'GetContact', inputs: { id: 'c-004' } }, true],
    ['the same, named with its toolkit', { tool: 'DuoCrm_GetContact', inputs: { id: ' C-004 ' } }, true],
    ['a query naming its company', { inputs: { query: 'Aegis' } }, true],
    ['a name of its person', { inputs: { query: 'riley' } }, true],
    ['its email', { inputs: { query: 'riley.vance@aegisdefence.example' } }, true],
    ['a fragment that overlaps it (left out silently instead)', { inputs: { query: 'fen' } }, false],
    ['a title it shares with others (left out silently instead)', { inputs: { query: 'director' } }, false],
    ['a deal query naming its contact', { tool: 'ListDeals', inputs: { query: 'Riley' } }, true],
    ['an unfiltered listing (it is withheld instead)', { inputs: {} }, false],
    ['another contact by id', { tool: 'GetContact', inputs: { id: 'c-001' } }, false],
  ];
  for (const [name, call, stepsUp] of cases) {
    it(`${stepsUp ? 'steps up' : 'does not step up'} for ${name}`, async () => {
      const before = stack.emulator!.phone.history.length;
      const result = await callHook(stack, call);
      expect(result.code).toBe('OK');
      expect(stack.emulator!.phone.history.length - before).toBe(stepsUp ? 1 : 0);
      if (stepsUp) expect(stack.emulator!.phone.history.at(-1)!.pushinfo.discloses).toMatch(/Riley Vance|Aegis/);
    });
  }

  it('hands the approval to the tool in override.inputs, keeping the original inputs', async () => {
    const result = await callHook(stack, { tool: 'GetContact', inputs: { id: 'c-004' } });
    expect(result.override?.inputs).toEqual({ id: 'c-004', duo_approval: expect.stringMatching(/^ey/) });
    expect(decisions.at(-1)).toMatchObject({ rule: 'restricted record', outcome: 'approved' });
  });
});

describe('every Duo outcome', () => {
  // One local stack hosts the emulator's users; a second stack, configured as in live mode against that
  // emulator, sends each caller's push to their own Duo user through DUO_USER_MAP.
  let duoStack: Stack;
  let stack: Stack;
  let decisions: HookDecisionEvent[];
  beforeAll(async () => {
    duoStack = await startLocalStack();
    const duo = duoStack.emulator!;
    const phone = duo.directory.getUser('demouser')!.devices[0]!;
    duo.directory.addUser({ username: 'bypassuser', status: 'bypass' });
    duo.directory.addUser({ username: 'disableduser', status: 'disabled', devices: [{ ...phone }] });
    duo.directory.addUser({ username: 'lockeduser', status: 'locked_out', devices: [{ ...phone }] });
    duo.directory.addUser({
      username: 'smsuser',
      devices: [
        {
          device: 'DPSMSONLY0000000000',
          type: 'phone',
          name: 'Old phone',
          display_name: 'Old phone',
          number: 'XXX-XXX-0199',
          capabilities: ['sms', 'phone'],
        },
      ],
    });
    const users = ['demouser', 'bypassuser', 'disableduser', 'lockeduser', 'smsuser', 'nobody'];
    stack = await startStack(
      loadConfig({
        env: {
          HOOK_BEARER_TOKEN: TEST_BEARER,
          HOOK_TIMEOUT_MS: '3000',
          ...duoSettingsOf(duo),
          DUO_USER_MAP: users.map((u) => `${u}@example.com=${u}`).join(','),
        },
        cwd: EMPTY_DIR,
        flags: { port: 0 },
      }),
    );
    decisions = decisionsOf(stack);
  });
  afterAll(async () => {
    await stack.close();
    await duoStack.close();
  });
  const emulator = () => duoStack.emulator!;

  /** A sensitive call whose push goes to `duoUser` (each caller approves their own). */
  const sensitiveFor = (duoUser: string) =>
    callHook(stack, { inputs: { query: 'classified' }, context: { user_id: `${duoUser}@example.com` } });

  const table: Array<[string, string, RegExp, HookDecisionEvent['outcome'], 'OK' | 'CHECK_FAILED']> = [
    ['bypass (preauth allow)', 'bypassuser', /.*/, 'bypass', 'OK'],
    ['policy deny (preauth deny)', 'disableduser', /Duo policy denies access.*disabled/, 'policy-denied', 'CHECK_FAILED'],
    ['not enrolled (preauth enroll)', 'nobody', /not enrolled.*DUO_STEPUP_USERNAME/, 'not-enrolled', 'CHECK_FAILED'],
    ['no push-capable device', 'smsuser', /no device that can receive a push.*Activate Duo Mobile/, 'no-push-device', 'CHECK_FAILED'],
    ['locked out', 'lockeduser', /locked out/, 'locked-out', 'CHECK_FAILED'],
  ];
  for (const [name, user, message, outcome, code] of table) {
    it(`${name} → ${code}`, async () => {
      const result = await sensitiveFor(user);
      expect(result.code).toBe(code);
      if (code === 'CHECK_FAILED') expect(result.error_message).toMatch(message);
      expect(decisions.at(-1)).toMatchObject({ outcome, duoUser: user });
    });
  }

  it('refuses a caller the user map does not know, without a push to anyone', async () => {
    const before = emulator().phone.history.length;
    const result = await callHook(stack, { inputs: { query: 'classified' }, context: { user_id: 'stranger@example.com' } });
    expect(result.error_message).toMatch(/No Duo user is mapped for "stranger@example.com"/);
    expect(emulator().phone.history.length).toBe(before);
  });

  it('does not take a look-alike letter for a mapped caller (a Kelvin sign is not a k)', async () => {
    const before = emulator().phone.history.length;
    const result = await callHook(stack, { inputs: { query: 'classified' }, context: { user_id: 'loc\u212Aeduser@example.com' } });
    expect(result.code).toBe('CHECK_FAILED');
    for (const user_id of ['\uFEFFlockeduser@example.com', '\u00A0lockeduser@example.com\u3000']) {
      expect((await callHook(stack, { inputs: { query: 'classified' }, context: { user_id } })).error_message).toMatch(
        /No Duo user is mapped/,
      );
    }
    expect(result.error_message).toMatch(/No Duo user is mapped for "loc\u212Aeduser@example.com"/);
    expect(emulator().phone.history.length).toBe(before);
  });

  it('finds the caller in the OAuth user_info when user_id is absent', async () => {
    emulator().phone.setPolicy('approve');
    const result = await callHook(stack, {
      inputs: { query: 'classified' },
      context: { authorization: [{ provider_id: 'cisco-duo-oidc', oauth2: { user_info: { email: 'DemoUser@Example.com' } } }] },
    });
    expect(result.code).toBe('OK');
    expect(emulator().phone.history.at(-1)!.username).toBe('demouser');
  });

  it('never borrows a mapped name from another provider for an unmapped caller', async () => {
    const before = emulator().phone.history.length;
    const result = await callHook(stack, {
      inputs: { query: 'classified' },
      context: {
        user_id: 'mallory@example.com',
        authorization: [
          { provider_id: 'github', oauth2: { user_info: { username: 'demouser@example.com' } } },
          { provider_id: 'cisco-duo-oidc', oauth2: { user_info: { email: 'demouser@example.com' } } },
        ],
      },
    });
    expect(result.code).toBe('CHECK_FAILED');
    expect(result.error_message).toMatch(/No Duo user is mapped for "mallory@example.com"/);
    expect(emulator().phone.history.length).toBe(before);
  });

  it('reads the caller only from the Duo provider when user_id is absent', async () => {
    const before = emulator().phone.history.length;
    const result = await callHook(stack, {
      inputs: { query: 'classified' },
      context: { authorization: [{ provider_id: 'github', oauth2: { user_info: { email: 'demouser@example.com' } } }] },
    });
    expect(result.error_message).toMatch(/does not say who is asking.*"cisco-duo-oidc" provider/);
    expect(emulator().phone.history.length).toBe(before);
  });

  it('finds no Duo user in Object.prototype for a caller named "constructor" or "__proto__"', async () => {
    for (const user_id of ['constructor', '__proto__']) {
      const result = await callHook(stack, { inputs: { query: 'classified' }, context: { user_id } });
      expect(result.error_message, user_id).toMatch(new RegExp(`No Duo user is mapped for "${user_id}"`));
    }
  });

  it('backs off and retries when Duo rate-limits, inside the deadline', async () => {
    emulator().faults.inject('rate-limit', 1, ['preauth']);
    expect((await sensitiveFor('demouser')).code).toBe('OK');
  });

  it('gives up with a reason when Duo keeps rate-limiting', async () => {
    emulator().faults.inject('rate-limit', 20);
    const result = await sensitiveFor('demouser');
    emulator().faults.clear();
    expect(result.code).toBe('CHECK_FAILED');
    expect(result.error_message).toMatch(/Duo is rate limiting requests/);
    expect(decisions.at(-1)!.outcome).toBe('duo-error');
  });

  for (const fault of ['server-error', 'bad-json'] as const) {
    it(`fails closed on ${fault}`, async () => {
      emulator().faults.inject(fault, 1, ['preauth']);
      const result = await sensitiveFor('demouser');
      expect(result.code).toBe('CHECK_FAILED');
      expect(result.error_message).toMatch(/could not be asked/);
      expect(decisions.at(-1)!.outcome).toBe('duo-error');
    });
  }

  it('answers "timed out" itself when Duo hangs, before Arcade would give up', async () => {
    emulator().faults.inject('hang', 1, ['auth_status']);
    emulator().phone.setPolicy('timeout');
    // A stand-in that waits exactly our budget: the hook's own answer must arrive first.
    const gate = new ArcadeStandIn({ hookUrl: stack.hookUrl, bearerToken: TEST_BEARER, timeoutMs: 3000 });
    const decision = await gate.check(findTool('list_contacts')!, { query: 'classified' }, { userId: 'demouser@example.com', scopes: [] });
    emulator().faults.clear();
    emulator().phone.setPolicy('approve');
    expect(decision).toEqual({ allowed: false, message: expect.stringMatching(/Duo approval timed out/) });
  });
});

describe('concurrency and retries', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startLocalStack({ STEPUP_MAX_PENDING: '50' });
  });
  afterAll(async () => stack.close());

  it('keeps 50 simultaneous step-ups apart, each with its own push and answer', async () => {
    // The phone approves odd requests and denies even ones, by the number in the query.
    stack.emulator!.phone.setPolicy(async (push) => {
      const n = Number(/#(\d+)/.exec(push.pushinfo.query ?? '')?.[1]);
      await new Promise((resolve) => setTimeout(resolve, (n % 7) * 10));
      return n % 2 ? 'approve' : 'deny';
    });
    const results = await Promise.all(Array.from({ length: 50 }, (_, n) => callHook(stack, { inputs: { query: `military #${n}` } })));
    results.forEach((result, n) => expect(result.code, `request #${n}`).toBe(n % 2 ? 'OK' : 'CHECK_FAILED'));
    const pushes = stack.emulator!.phone.history.filter((p) => /military #/.test(p.pushinfo.query ?? ''));
    expect(pushes).toHaveLength(50);
    expect(new Set(pushes.map((p) => p.txid)).size).toBe(50);
    stack.emulator!.phone.setPolicy('approve');
  });

  it('sends one push for a retried execution and gives both calls the same answer', async () => {
    stack.emulator!.phone.setPolicy(async () => {
      await new Promise((resolve) => setTimeout(resolve, 100));
      return 'deny' as const;
    });
    const before = stack.emulator!.phone.history.length;
    const call = { executionId: 'te_retry_1', inputs: { query: 'intelligence' } };
    const [first, second] = await Promise.all([callHook(stack, call), callHook(stack, call)]);
    const third = await callHook(stack, call);
    expect(stack.emulator!.phone.history.length - before).toBe(1);
    expect(second).toEqual(first);
    expect(third).toEqual(first);
    stack.emulator!.phone.setPolicy('approve');
  });

  it('refuses an execution id reused for different inputs', async () => {
    await callHook(stack, { executionId: 'te_reuse', inputs: { query: 'acme' } });
    const reused = await callHook(stack, { executionId: 'te_reuse', inputs: { query: 'defence' } });
    expect(reused.code).toBe('CHECK_FAILED');
    expect(reused.error_message).toMatch(/already used for a different request/);
  });
});

describe('push fatigue', () => {
  it('refuses more step-ups than STEPUP_MAX_PENDING waiting on one phone, without pushing them, and frees the place once answered', async () => {
    const stack = await startLocalStack({ STEPUP_MAX_PENDING: '2' });
    try {
      const phone = stack.emulator!.phone;
      const answers: Array<() => void> = [];
      phone.setPolicy(() => new Promise((resolve) => answers.push(() => resolve('approve'))));
      const first = callHook(stack, { inputs: { query: 'defence #1' } });
      const second = callHook(stack, { inputs: { query: 'defence #2' } });
      while (answers.length < 2) await new Promise((resolve) => setTimeout(resolve, 10));
      const third = await callHook(stack, { inputs: { query: 'defence #3' } });
      expect(third.code).toBe('RATE_LIMIT_EXCEEDED');
      expect(third.error_message).toMatch(
        /demouser already has 2 approvals waiting on their phone; answer them first.*\[ref [0-9A-F]{6}\]$/,
      );
      expect(phone.history.map((p) => p.pushinfo.query).sort()).toEqual(['defence #1', 'defence #2']);
      // An everyday call is not held up by the queue.
      expect((await callHook(stack, { inputs: { query: 'Bluepeak' } })).code).toBe('OK');
      for (const answer of answers) answer();
      expect((await first).code).toBe('OK');
      expect((await second).code).toBe('OK');
      phone.setPolicy('approve');
      expect((await callHook(stack, { inputs: { query: 'defence #4' } })).code).toBe('OK');
    } finally {
      await stack.close();
    }
  });

  it('keeps counting a push we stopped waiting for: it is still on the phone until Duo expires it', async () => {
    const stack = await startLocalStack({ STEPUP_MAX_PENDING: '1', HOOK_TIMEOUT_MS: '1000' }, { emulator: { pushLifetimeMs: 60_000 } });
    try {
      stack.emulator!.phone.setPolicy('timeout');
      const first = await callHook(stack, { inputs: { query: 'defence' } });
      expect(first.error_message).toMatch(/timed out/);
      const second = await callHook(stack, { inputs: { query: 'defence' } });
      expect(second.code).toBe('RATE_LIMIT_EXCEEDED');
      expect(stack.emulator!.phone.history).toHaveLength(1);
    } finally {
      await stack.close();
    }
  });

  it('reads STEPUP_MAX_PENDING as a whole number from 1 to 100', () => {
    const load = (value: string) => () => loadConfig({ env: { STEPUP_MAX_PENDING: value }, cwd: EMPTY_DIR, flags: { mode: 'local' } });
    expect(load('7')().maxPendingPushes).toBe(7);
    for (const bad of ['0', '101', 'many', '2.5'])
      expect(load(bad)).toThrow(/STEPUP_MAX_PENDING="[^"]+" must be a whole number from 1 to 100/);
  });
});

describe('policy rules', () => {
  it('steps up writes with STEPUP_WRITES and listed tools with STEPUP_TOOLS', async () => {
    const stack = await startLocalStack({ STEPUP_WRITES: 'true', STEPUP_TOOLS: 'list_deals', STEPUP_DEV_MODE: 'deny' });
    try {
      const create = await callHook(stack, {
        tool: 'CreateContact',
        inputs: { name: 'Jane', email: 'jane@acme.example', company: 'Acme' },
      });
      expect(create.code).toBe('CHECK_FAILED');
      expect((await callHook(stack, { tool: 'ListDeals', inputs: {} })).code).toBe('CHECK_FAILED');
      expect(await callHook(stack, { tool: 'GetContact', inputs: { id: 'c-001' } })).toEqual({ code: 'OK' });
    } finally {
      await stack.close();
    }
  });
});

describe('what the push says', () => {
  it('carries who, what and why, without control characters, bounded under Duo’s limit', async () => {
    const stack = await startLocalStack();
    try {
      const query = `defence\u0007\u001b[31m${'x'.repeat(5000)}\n${'é'.repeat(5000)}`;
      await callHook(stack, { inputs: { query, note: 'ü'.repeat(20_000) }, context: { user_id: 'alice@example.com' } });
      const push = stack.emulator!.phone.history.at(-1)!;
      expect(push.type).toBe('Sensitive CRM access');
      expect(Object.keys(push.pushinfo).sort()).toEqual(['discloses', 'from', 'query', 'rule', 'tool']);
      expect(push.pushinfo.from).toContain('alice@example.com');
      expect(push.pushinfo.rule).toBe('term "defence"');
      for (const value of Object.values(push.pushinfo)) {
        expect(value).not.toMatch(/\p{Cc}/u);
        expect([...value].length).toBeLessThanOrEqual(200);
      }
      expect(Buffer.byteLength(encodePushinfo(push.pushinfo))).toBeLessThan(20_000);
    } finally {
      await stack.close();
    }
  });
});

describe('shutdown', () => {
  it('answers a pending step-up with CHECK_FAILED before it exits', async () => {
    const stack = await startLocalStack();
    stack.emulator!.phone.setPolicy('timeout');
    const pending = callHook(stack, { inputs: { query: 'defence' } });
    await new Promise<void>((resolve) => stack.emulator!.phone.onPush(() => resolve()));
    await stack.close();
    const result = await pending;
    expect(result.code).toBe('CHECK_FAILED');
    expect(result.error_message).toMatch(/shutting down/);
  });
});

describe('audit trail', () => {
  it('writes one line per decision, findable by the deny’s reference, without secrets', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'duo-arcade-audit-')), 'nested', 'audit.jsonl');
    const stack = await startLocalStack({}, { auditLog: path });
    stack.emulator!.phone.setPolicy('deny');
    const denied = await callHook(stack, { inputs: { query: 'defence' }, context: { user_id: 'alice@example.com' } });
    await callHook(stack, { inputs: { query: 'acme' } });
    await stack.close();
    const ref = /\[ref ([0-9A-F]{6})\]/.exec(denied.error_message!)![1];
    const text = readFileSync(path, 'utf8');
    const lines = text
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({
      ref,
      decision: 'CHECK_FAILED',
      outcome: 'denied',
      caller: 'alice@example.com',
      duoUser: 'demouser',
      rule: 'term "defence"',
      txid: expect.any(String),
    });
    expect(lines[1]).toMatchObject({ decision: 'OK', outcome: 'not-sensitive' });
    expect(text).not.toContain(TEST_BEARER);
    expect(text).not.toContain(stack.emulator!.credentials.skey);
  });

  it('refuses at start, with the fix, a path it cannot write, rather than losing decisions or hanging on exit', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'duo-arcade-audit-'));
    writeFileSync(join(dir, 'a-file'), '');
    for (const path of [join(dir, 'a-file', 'audit.jsonl'), dir]) {
      const term = captureTerminal();
      expect(await main(['node', 'duo-arcade', 'demo', '--yes', '--audit-log', path], term)).toBe(1);
      expect(term.err()).toMatch(/Cannot write the audit log .* \((ENOTDIR|EISDIR)\)[\s\S]*--no-audit-log/);
      expect(term.err()).not.toMatch(/scenarios?, .* steps/);
    }
  });
});
