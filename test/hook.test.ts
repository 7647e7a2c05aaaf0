import { connect } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { startStack, type Stack } from '../src/stack.js';
import { examplePreHookRequest, validatePreHookResult } from './support/contract.js';
import { EMPTY_DIR, TEST_BEARER, duoSettingsOf, postHook, startLocalStack } from './support/stack.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startLocalStack({ HOOK_TIMEOUT_MS: '2000' }, { emulator: { pushLifetimeMs: 60_000 } });
});
afterAll(async () => stack.close());
afterEach(() => stack.emulator!.phone.setPolicy('approve'));

const preHook = (body: unknown, init: { bearer?: string | null; raw?: string; contentType?: string } = {}) => {
  const headers: Record<string, string> = { 'content-type': init.contentType ?? 'application/json' };
  if (init.bearer !== null) headers.authorization = `Bearer ${init.bearer ?? TEST_BEARER}`;
  return fetch(stack.hookUrl, { method: 'POST', headers, body: init.raw ?? JSON.stringify(body) });
};

const request = (inputs: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  execution_id: `tc_${Math.random().toString(36).slice(2)}`,
  tool: { name: 'ListContacts', toolkit: 'DuoCrm', version: '1.0.0' },
  inputs,
  context: { user_id: 'presenter@example.com' },
  ...extra,
});

async function decide(body: unknown) {
  const response = await preHook(body);
  expect(response.status).toBe(200);
  const json = (await response.json()) as { code: string; error_message?: string };
  expect(validatePreHookResult(json)).toEqual([]);
  return json;
}

describe('a caller that hangs up mid-request', () => {
  it('is logged as the caller going away, not as an unexpected error of ours', async () => {
    const logs: Array<{ level: string; message: string }> = [];
    const onLog = (event: { level: string; message: string }) => logs.push(event);
    stack.events.on('log', onLog);
    const { hostname, port } = new URL(stack.hookUrl);
    const socket = connect(Number(port), hostname);
    await new Promise<void>((resolve) => socket.once('connect', resolve));
    socket.write(
      `POST /hooks/pre HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TEST_BEARER}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n1\r\n{\r\n`,
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    socket.destroy();
    while (logs.length === 0) await new Promise((resolve) => setTimeout(resolve, 20));
    stack.events.off('log', onLog);
    expect(logs).toEqual([{ level: 'warn', message: 'hook: the caller hung up before its request arrived in full' }]);
  });
});

describe('hook authentication', () => {
  it('answers 401 without a bearer', async () => {
    const response = await preHook(request({}), { bearer: null });
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ code: 'CHECK_FAILED' });
  });

  it('answers 401 with a wrong bearer of the same or a different length', async () => {
    for (const bearer of ['x', TEST_BEARER.replace(/.$/, 'X'), `${TEST_BEARER}extra`]) {
      const response = await preHook(request({}), { bearer });
      expect(response.status).toBe(401);
    }
  });

  it('serves health without a bearer', async () => {
    for (const url of [`${stack.url}/hooks/health`, stack.healthUrl]) {
      const response = await fetch(url);
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ status: 'healthy' });
    }
  });
});

describe('hook input validation fails closed', () => {
  const malformed: Array<[string, { raw?: string; body?: unknown; contentType?: string }, number]> = [
    ['not JSON', { raw: '{"execution_id":' }, 400],
    ['empty body', { raw: '' }, 400],
    ['a JSON array', { body: [] }, 400],
    ['missing execution_id', { body: { tool: { name: 'A', toolkit: 'B', version: '1' }, inputs: {}, context: {} } }, 400],
    ['tool.name of the wrong type', { body: { ...request({}), tool: { name: 7, toolkit: 'B', version: '1' } } }, 400],
    ['inputs not an object', { body: { ...request({}), inputs: 'defence' } }, 400],
    ['not declared as JSON', { raw: JSON.stringify(request({})), contentType: 'text/plain' }, 415],
    ['a huge body', { body: request({ query: 'x'.repeat(100_000) }) }, 413],
    [
      'nesting too deep to walk',
      { raw: JSON.stringify(request({})).replace('"inputs":{}', `"inputs":${'['.repeat(20_000)}${']'.repeat(20_000)}`) },
      400,
    ],
  ];
  for (const [name, input, status] of malformed) {
    it(`${name} → ${status} with code CHECK_FAILED`, async () => {
      const response = await preHook(input.body, { raw: input.raw, contentType: input.contentType });
      expect(response.status).toBe(status);
      expect(await response.json()).toMatchObject({ code: 'CHECK_FAILED' });
    });
  }

  it('answers 405 for another method and 404 with CHECK_FAILED for another path under /hooks', async () => {
    const get = await fetch(stack.hookUrl);
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
    expect(await get.json()).toMatchObject({ code: 'CHECK_FAILED' });
    const other = await fetch(`${stack.url}/hooks/post`, { method: 'POST' });
    expect(other.status).toBe(404);
    expect(await other.json()).toMatchObject({ code: 'CHECK_FAILED' });
  });

  it('names a null body without echoing the body back', async () => {
    const nullBody = await preHook(undefined, { raw: 'null' });
    expect(((await nullBody.json()) as { error: string }).error).toMatch(/not null/);
    const broken = await preHook(undefined, { raw: '{"query": "classified-secret-value" x}' });
    const { error } = (await broken.json()) as { error: string };
    expect(error).toMatch(/not valid JSON/);
    expect(error).not.toContain('classified-secret-value');
  });

  it('ignores unknown fields, as the contract asks', async () => {
    expect(await decide({ ...request({ query: 'acme' }), surprise: { nested: true } })).toEqual({ code: 'OK' });
  });

  it('accepts the conformance example request', async () => {
    stack.emulator!.phone.setPolicy('approve');
    const result = (await decide(examplePreHookRequest)) as { code: string; override?: { inputs: Record<string, unknown> } };
    expect(result.code).toBe('OK');
    // "defence" would disclose the restricted account: the approval travels in the overridden inputs.
    expect(result.override?.inputs).toMatchObject({ query: 'defence', duo_approval: expect.any(String) });
  });
});

describe('hook decisions', () => {
  it('answers OK at once for a non-sensitive call, without a push', async () => {
    const before = stack.emulator!.phone.history.length;
    expect(await decide(request({ query: 'bluepeak' }))).toEqual({ code: 'OK' });
    expect(stack.emulator!.phone.history.length).toBe(before);
  });

  it('pushes with the request context and answers OK when approved', async () => {
    const seen: Array<Record<string, string>> = [];
    stack.emulator!.phone.setPolicy((push) => {
      seen.push(push.pushinfo);
      return 'approve';
    });
    expect((await decide(request({ query: 'defence customers' }))).code).toBe('OK');
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ tool: 'DuoCrm.ListContacts', query: 'defence customers' });
    expect(seen[0]!.from).toContain('presenter@example.com');
  });

  it('finds a sensitive term in any string input, nested, in any case or accent', async () => {
    stack.emulator!.phone.setPolicy('deny');
    for (const inputs of [{ filter: { sector: 'MILITARY' } }, { tags: ['x', 'Défense'] }, { query: 'classified docs' }]) {
      expect((await decide(request(inputs))).code).toBe('CHECK_FAILED');
    }
  });

  it('steps up when padding hides a term beyond what it can inspect', async () => {
    stack.emulator!.phone.setPolicy('deny');
    const padded = Object.fromEntries(Array.from({ length: 6000 }, (_, i) => [`k${i}`, 0]));
    for (const inputs of [
      { pad: Array(6000).fill(0), q: { s: 'defence' } },
      { ...padded, q: { s: 'military' } },
      { pad: Array(6000).fill(0) },
    ]) {
      expect((await decide(request(inputs))).code).toBe('CHECK_FAILED');
    }
  });

  it('steps up when inputs nest deeper than it inspects', async () => {
    stack.emulator!.phone.setPolicy('deny');
    let deep: Record<string, unknown> = { q: 'harmless' };
    for (let i = 0; i < 20; i++) deep = { d: deep };
    expect((await decide(request(deep))).code).toBe('CHECK_FAILED');
  });

  it('inspects a "__proto__" key like any other', async () => {
    stack.emulator!.phone.setPolicy('deny');
    for (const raw of ['{"__proto__":{"query":"defence"}}', '{"__proto__":"classified"}']) {
      const body = JSON.stringify(request({})).replace('"inputs":{}', `"inputs":${raw}`);
      const response = await preHook(undefined, { raw: body });
      expect(((await response.json()) as { code: string }).code).toBe('CHECK_FAILED');
    }
  });

  it('answers CHECK_FAILED with a reference when the push is denied', async () => {
    stack.emulator!.phone.setPolicy('deny');
    const result = await decide(request({ query: 'defence' }));
    expect(result.code).toBe('CHECK_FAILED');
    expect(result.error_message).toMatch(/denied on the phone\. \[ref [0-9A-F]{6}\]$/);
  });

  it('answers CHECK_FAILED when the push is reported as fraud', async () => {
    stack.emulator!.phone.setPolicy('fraud');
    expect((await decide(request({ query: 'defence' }))).error_message).toMatch(/fraud/);
  });

  it('answers CHECK_FAILED itself, inside its budget, when nobody answers', async () => {
    stack.emulator!.phone.setPolicy('timeout');
    const result = await decide(request({ query: 'intelligence' }));
    expect(result.code).toBe('CHECK_FAILED');
    expect(result.error_message).toMatch(/timed out/);
  });

  it('maps Duo’s own push timeout to CHECK_FAILED "no answer"', async () => {
    const short = await startLocalStack({}, { emulator: { pushLifetimeMs: 200 } });
    try {
      short.emulator!.phone.setPolicy('timeout');
      const result = await postHook(short.hookUrl, { query: 'defence' });
      expect(result.code).toBe('CHECK_FAILED');
      expect(result.error_message).toMatch(/no answer/);
    } finally {
      await short.close();
    }
  });

  const wrongCredentials: Array<[string, 'DUO_AUTH_IKEY' | 'DUO_AUTH_SKEY', string, string]> = [
    ['wrong skey', 'DUO_AUTH_SKEY', 'W'.repeat(40), '40103'],
    ['wrong ikey', 'DUO_AUTH_IKEY', 'DIWRONGWRONGWRONG000', '40102'],
  ];
  for (const [name, variable, value, code] of wrongCredentials) {
    it(`answers CHECK_FAILED when Duo rejects our credentials (live mode against the emulator, ${name} → ${code})`, async () => {
      const duo = stack.emulator!;
      const live = await startStack(
        loadConfig({
          env: {
            HOOK_BEARER_TOKEN: TEST_BEARER,
            ...duoSettingsOf(duo),
            [variable]: value,
          },
          cwd: EMPTY_DIR,
          flags: { port: 0 },
        }),
      );
      const logs: string[] = [];
      live.events.on('log', (event) => logs.push(event.message));
      const pushesBefore = duo.phone.history.length;
      try {
        expect(live.mode).toBe('live');
        const result = await postHook(live.hookUrl, { query: 'defence' });
        expect(result.code).toBe('CHECK_FAILED');
        expect(result.error_message).toMatch(/misconfigured.*duo-arcade doctor/);
        expect(logs.join('\n')).toMatch(new RegExp(code));
        expect(logs.join('\n')).not.toContain(duo.credentials.skey);
        expect(logs.join('\n')).not.toContain('W'.repeat(40));
        expect(duo.phone.history.length).toBe(pushesBefore);
      } finally {
        await live.close();
      }
    });
  }

  it('answers CHECK_FAILED when Duo cannot be reached', async () => {
    const lonely = await startLocalStack();
    await lonely.emulator!.close();
    try {
      const result = await postHook(lonely.hookUrl, { query: 'defence' });
      expect(result).toMatchObject({ code: 'CHECK_FAILED' });
      expect(result.error_message).toMatch(/could not be asked/);
    } finally {
      await lonely.close();
    }
  });

  it('honours STEPUP_DEV_MODE=deny without contacting Duo', async () => {
    const dev = await startLocalStack({ STEPUP_DEV_MODE: 'deny' });
    try {
      expect(await postHook(dev.hookUrl, { query: 'defence' })).toMatchObject({ code: 'CHECK_FAILED' });
      expect(dev.emulator!.phone.history).toHaveLength(0);
      expect(dev.warnings.join(' ')).toMatch(/STEPUP_DEV_MODE=deny/);
    } finally {
      await dev.close();
    }
  });
});
