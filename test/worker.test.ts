import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HttpResponseEvent } from '../src/events.js';
import type { Stack } from '../src/stack.js';
import { TOOLKIT, TOOLS } from '../src/tools.js';
import type { ToolDefinition } from '../src/worker/definitions.js';
import { TEST_BEARER, signIn, startLocalStack } from './support/stack.js';

const SECRET = 'worker-secret-for-tests-0123456789abcdef';

let stack: Stack;
let fullToken: string;
beforeAll(async () => {
  stack = await startLocalStack({ ARCADE_WORKER_SECRET: SECRET });
  fullToken = await signIn(stack);
});
afterAll(async () => stack.close());

/** A worker JWT as Arcade's engine signs it; each test bends one claim. */
async function engineToken(
  options: { secret?: string; aud?: string; ver?: string | null; expiresIn?: string; alg?: string } = {},
): Promise<string> {
  const claims: Record<string, unknown> = {};
  if (options.ver !== null) claims.ver = options.ver ?? '1';
  return new SignJWT(claims)
    .setProtectedHeader({ alg: options.alg ?? 'HS256' })
    .setAudience(options.aud ?? 'worker')
    .setIssuedAt(options.expiresIn ? Math.floor(Date.now() / 1000) - 7200 : undefined)
    .setExpirationTime(options.expiresIn ?? '5m')
    .sign(new TextEncoder().encode(options.secret ?? SECRET));
}

const worker = async (path: string, init: { jwt?: string; body?: unknown; base?: string } = {}) => {
  const headers: Record<string, string> = {};
  if (init.jwt) headers.authorization = `Bearer ${init.jwt}`;
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  return fetch(`${init.base ?? stack.url}/worker${path}`, {
    method: init.body === undefined ? 'GET' : 'POST',
    headers,
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
};

const invoke = async (name: string, inputs: Record<string, unknown>, token: string | undefined) => {
  const response = await worker('/tools/invoke', {
    jwt: await engineToken(),
    body: {
      execution_id: 'exec-1',
      tool: { name, toolkit: TOOLKIT.name, version: TOOLKIT.version },
      inputs,
      context: { authorization: token ? { token, user_info: {} } : undefined, user_id: 'demouser' },
    },
  });
  expect(response.status).toBe(200);
  return (await response.json()) as {
    execution_id: string;
    success: boolean;
    duration: number;
    finished_at: string;
    output: {
      value?: unknown;
      error?: { message: string; kind: string; can_retry: boolean; status_code: number | null; developer_message: string | null };
    };
  };
};

describe('worker authentication (HS256 JWT, aud "worker", ver "1")', () => {
  it('answers /worker/health without a token, as Arcade polls it', async () => {
    const response = await worker('/health');
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: 'ok', tool_count: String(TOOLS.length) });
  });

  it('accepts a token signed with ARCADE_WORKER_SECRET', async () => {
    expect((await worker('/tools', { jwt: await engineToken() })).status).toBe(200);
  });

  const rejected: Array<[string, () => Promise<string | undefined>, RegExp]> = [
    ['no token', async () => undefined, /Missing bearer token/],
    [
      'a token signed with another secret',
      () => engineToken({ secret: 'some-other-secret-0123456789abcdef' }),
      /not signed with this ARCADE_WORKER_SECRET/,
    ],
    ['a token for another audience', () => engineToken({ aud: 'actor' }), /"aud" claim/],
    ['an expired token', () => engineToken({ expiresIn: '1h ago' }), /expired/],
    ['a token without ver', () => engineToken({ ver: null }), /version/],
    ['a token with another ver', () => engineToken({ ver: '2' }), /version "2"/],
    ['a token that is not a JWT', async () => 'not-a-jwt', /not a valid worker JWT/],
    ['an HS512 token', () => engineToken({ alg: 'HS512' }), /HS256/],
  ];
  for (const [what, token, message] of rejected) {
    it(`answers 401 for ${what}, on /tools and /tools/invoke`, async () => {
      const jwt = await token();
      const list = await worker('/tools', { jwt });
      expect(list.status).toBe(401);
      expect(list.headers.get('www-authenticate')).toMatch(/^Bearer /);
      expect(((await list.json()) as { message: string }).message).toMatch(message);
      const call = await worker('/tools/invoke', {
        jwt,
        body: { tool: { name: 'ListDeals', toolkit: 'DuoCrm' }, inputs: {}, context: { authorization: { token: fullToken } } },
      });
      expect(call.status).toBe(401);
    });
  }

  it('refuses an unsigned (alg "none") token', async () => {
    const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const unsigned = `${encode({ alg: 'none', typ: 'JWT' })}.${encode({ aud: 'worker', ver: '1', exp: Math.floor(Date.now() / 1000) + 300 })}.`;
    expect((await worker('/tools', { jwt: unsigned })).status).toBe(401);
  });

  it('is off (503, naming ARCADE_WORKER_SECRET) when no secret is configured, health included', async () => {
    const bare = await startLocalStack();
    try {
      expect(bare.workerEnabled).toBe(false);
      for (const path of ['/health', '/tools']) {
        const response = await worker(path, { jwt: await engineToken(), base: bare.url });
        expect(response.status).toBe(503);
        expect(((await response.json()) as { message: string }).message).toContain('ARCADE_WORKER_SECRET');
      }
    } finally {
      await bare.close();
    }
  });
});

describe('worker tool definitions', () => {
  const list = async (base = stack.url) => (await (await worker('/tools', { jwt: await engineToken(), base })).json()) as ToolDefinition[];

  it('lists every tool of the one tool list, with its Duo scope behind the Duo provider', async () => {
    const definitions = await list();
    expect(definitions.map((d) => d.name).sort()).toEqual(TOOLS.map((t) => t.arcadeName).sort());
    for (const tool of TOOLS) {
      const definition = definitions.find((d) => d.name === tool.arcadeName)!;
      expect(definition.fully_qualified_name).toBe(`DuoCrm.${tool.arcadeName}`);
      expect(definition.toolkit).toEqual({ name: 'DuoCrm', description: TOOLKIT.description, version: TOOLKIT.version });
      expect(definition.toolkit.name).toMatch(/^[A-Za-z0-9]+$/);
      expect(definition.description.length).toBeGreaterThan(0);
      expect(definition.requirements.authorization).toEqual({
        provider_id: null,
        provider_type: 'oauth2',
        id: 'cisco-duo-oidc',
        oauth2: { scopes: [tool.scope] },
      });
      expect(definition.output.available_modes).toEqual(['value', 'error']);
      expect(definition.input.parameters.map((p) => p.name).sort()).toEqual([...Object.keys(tool.inputShape), 'duo_approval'].sort());
      for (const parameter of definition.input.parameters) {
        expect(['string', 'integer', 'number', 'boolean', 'array', 'json']).toContain(parameter.value_schema.val_type);
        expect(parameter.inferrable).toBe(parameter.name !== 'duo_approval');
        expect(parameter.description).toEqual(expect.any(String));
      }
    }
  });

  it('maps the zod shapes: required and optional strings, plus the approval the hook may add', async () => {
    const definitions = await list();
    const params = (name: string) => definitions.find((d) => d.name === name)!.input.parameters;
    const approval = expect.objectContaining({ name: 'duo_approval', required: false, inferrable: false });
    expect(params('GetContact')).toEqual([
      expect.objectContaining({ name: 'id', required: true, value_schema: { val_type: 'string', inner_val_type: null, enum: null } }),
      approval,
    ]);
    expect(params('ListContacts')).toEqual([expect.objectContaining({ name: 'query', required: false }), approval]);
    expect(params('ListDeals')).toEqual([expect.objectContaining({ name: 'query', required: false }), approval]);
    const create = params('CreateContact');
    expect(
      create
        .filter((p) => p.required)
        .map((p) => p.name)
        .sort(),
    ).toEqual(['company', 'email', 'name']);
  });

  it('names the provider ARCADE_PROVIDER_ID says', async () => {
    const other = await startLocalStack({ ARCADE_WORKER_SECRET: SECRET, ARCADE_PROVIDER_ID: 'duo-staging' });
    try {
      for (const definition of await list(other.url)) expect(definition.requirements.authorization.id).toBe('duo-staging');
    } finally {
      await other.close();
    }
  });
});

describe('worker invoke', () => {
  it('runs the tool with the injected Duo token and returns the CRM data', async () => {
    const result = await invoke('GetContact', { id: 'c-002' }, fullToken);
    expect(result).toMatchObject({ execution_id: 'exec-1', success: true });
    expect(JSON.stringify(result.output.value)).toContain('Marcus Lee');
    expect(Number.isNaN(Date.parse(result.finished_at))).toBe(false);
    expect(typeof result.duration).toBe('number');
  });

  it('hands a restricted record over only with the hook’s approval, as Arcade passes it in the inputs', async () => {
    const refused = await invoke('GetContact', { id: 'c-004' }, fullToken);
    expect(refused.success).toBe(false);
    expect(JSON.stringify(refused.output.error)).toMatch(/restricted/);
    stack.emulator!.phone.setPolicy('approve');
    const hook = await fetch(stack.hookUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TEST_BEARER}` },
      body: JSON.stringify({
        execution_id: 'exec-approved',
        tool: { name: 'GetContact', toolkit: TOOLKIT.name, version: '1' },
        inputs: { id: 'c-004' },
        context: { user_id: 'demouser' },
      }),
    });
    const { override } = (await hook.json()) as { override: { inputs: Record<string, unknown> } };
    const approved = await invoke('GetContact', override.inputs, fullToken);
    expect(approved.success).toBe(true);
    expect(JSON.stringify(approved.output.value)).toContain('Riley Vance');
  });

  it('returns the CRM’s 403 as a tool error when the token lacks the scope', async () => {
    const token = await signIn(stack, ['openid', 'crm.contacts.read']);
    const result = await invoke('ListDeals', {}, token);
    expect(result.success).toBe(false);
    expect(result.output.error).toMatchObject({
      kind: 'UPSTREAM_RUNTIME_AUTH_ERROR',
      status_code: 403,
      message: 'Missing required scope: crm.deals.read',
      can_retry: false,
    });
    expect(result.output.error!.developer_message).toMatch(/Scope Authorization/);
  });

  it('returns a token Duo does not know as the CRM’s 401', async () => {
    const result = await invoke('ListContacts', {}, 'made-up-token');
    expect(result.output.error).toMatchObject({ kind: 'UPSTREAM_RUNTIME_AUTH_ERROR', status_code: 401 });
  });

  it('does not run without an injected token', async () => {
    const result = await invoke('ListContacts', {}, undefined);
    expect(result.success).toBe(false);
    expect(result.output.error).toMatchObject({ kind: 'UPSTREAM_RUNTIME_AUTH_ERROR', status_code: 401 });
    expect(result.output.error!.message).toMatch(/No Duo access token/);
  });

  it('validates the inputs with the tool’s own schema', async () => {
    const missing = await invoke('GetContact', {}, fullToken);
    expect(missing.output.error).toMatchObject({ kind: 'TOOL_RUNTIME_BAD_INPUT_VALUE' });
    expect(missing.output.error!.message).toContain('id');
    const wrongType = await invoke('ListContacts', { query: 42 }, fullToken);
    expect(wrongType.output.error).toMatchObject({ kind: 'TOOL_RUNTIME_BAD_INPUT_VALUE' });
  });

  it('maps other CRM answers to Arcade’s kinds', async () => {
    expect((await invoke('GetContact', { id: 'c-999' }, fullToken)).output.error).toMatchObject({
      kind: 'UPSTREAM_RUNTIME_NOT_FOUND',
      status_code: 404,
    });
    const duplicate = { name: 'Dup', email: 'ava.thompson@northwindhealth.example', company: 'X' };
    expect((await invoke('CreateContact', duplicate, fullToken)).output.error).toMatchObject({
      kind: 'UPSTREAM_RUNTIME_VALIDATION_ERROR',
      status_code: 409,
    });
  });

  it('accepts the MCP name and the fully qualified name too', async () => {
    expect((await invoke('list_deals', {}, fullToken)).success).toBe(true);
    expect((await invoke('DuoCrm.ListDeals', {}, fullToken)).success).toBe(true);
  });

  it('answers 404 for a tool or toolkit it does not serve, and 400 for a malformed call', async () => {
    const jwt = await engineToken();
    expect((await worker('/tools/invoke', { jwt, body: { tool: { name: 'DropTables', toolkit: 'DuoCrm' }, inputs: {} } })).status).toBe(
      404,
    );
    expect((await worker('/tools/invoke', { jwt, body: { tool: { name: 'ListDeals', toolkit: 'Gmail' }, inputs: {} } })).status).toBe(404);
    const malformed = await worker('/tools/invoke', { jwt, body: { inputs: [] } });
    expect(malformed.status).toBe(400);
    expect(((await malformed.json()) as { message: string }).message).toMatch(/tool/);
  });

  it('never calls the hook itself (Arcade does, before invoking), so no push is sent', async () => {
    const before = stack.emulator!.phone.history.length;
    const result = await invoke('ListContacts', { query: 'defence' }, fullToken);
    expect(result.success).toBe(true);
    expect(stack.emulator!.phone.history.length).toBe(before);
  });

  it('reports each call for the request log, with the tool and its outcome', async () => {
    const seen: HttpResponseEvent[] = [];
    const listener = (event: HttpResponseEvent) => seen.push(event);
    stack.events.on('http.response', listener);
    try {
      const token = await signIn(stack, ['openid', 'crm.contacts.read']);
      await invoke('ListDeals', {}, token);
    } finally {
      stack.events.off('http.response', listener);
    }
    expect(seen).toEqual([
      expect.objectContaining({
        surface: 'worker',
        method: 'POST',
        path: '/worker/tools/invoke',
        status: 200,
        subject: 'DuoCrm.ListDeals',
        ok: false,
        outcome: 'UPSTREAM_RUNTIME_AUTH_ERROR: Missing required scope: crm.deals.read',
      }),
    ]);
  });
});
