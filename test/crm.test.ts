import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Stack } from '../src/stack.js';
import { TEST_BEARER, signIn, startLocalStack } from './support/stack.js';

let stack: Stack;
let fullToken: string;

beforeAll(async () => {
  stack = await startLocalStack();
  fullToken = await signIn(stack);
});
afterAll(async () => stack.close());

const api = (path: string, init: RequestInit & { token?: string } = {}) => {
  const headers = new Headers(init.headers);
  if (init.token) headers.set('authorization', `Bearer ${init.token}`);
  return fetch(`${stack.url}${path}`, { ...init, headers });
};

const routes = [
  { method: 'GET', path: '/api/contacts', scope: 'crm.contacts.read' },
  { method: 'GET', path: '/api/contacts/c-001', scope: 'crm.contacts.read' },
  {
    method: 'POST',
    path: '/api/contacts',
    scope: 'crm.contacts.write',
    body: { name: 'New Person', email: 'new.person@example.com', company: 'Acme' },
  },
  { method: 'GET', path: '/api/deals', scope: 'crm.deals.read' },
] as const;

describe('CRM API scopes', () => {
  for (const route of routes) {
    const body = 'body' in route ? JSON.stringify(route.body) : undefined;
    const headers = body ? { 'content-type': 'application/json' } : undefined;

    it(`${route.method} ${route.path} without a token answers 401 with WWW-Authenticate: Bearer`, async () => {
      const response = await api(route.path, { method: route.method, body, headers });
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toMatch(/^Bearer /);
    });

    it(`${route.method} ${route.path} with an unknown token answers 401 invalid_token`, async () => {
      const response = await api(route.path, { method: route.method, body, headers, token: 'not-a-real-token' });
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toContain('error="invalid_token"');
    });

    it(`${route.method} ${route.path} without ${route.scope} answers 403 Missing required scope`, async () => {
      const others = ['openid', 'crm.contacts.read', 'crm.contacts.write', 'crm.deals.read'].filter((s) => s !== route.scope);
      const token = await signIn(stack, others);
      const response = await api(route.path, { method: route.method, body, headers, token });
      expect(response.status).toBe(403);
      expect(await response.json()).toMatchObject({ error: 'insufficient_scope', message: `Missing required scope: ${route.scope}` });
      expect(response.headers.get('www-authenticate')).toContain(`scope="${route.scope}"`);
    });

    it(`${route.method} ${route.path} with ${route.scope} succeeds`, async () => {
      const response = await api(route.path, { method: route.method, body, headers, token: fullToken });
      expect(response.status).toBe(route.method === 'POST' ? 201 : 200);
    });
  }
});

describe('CRM API data and bad input', () => {
  it('filters contacts by query across sector and company', async () => {
    const response = await api('/api/contacts?query=bank', { token: fullToken });
    const { contacts } = (await response.json()) as { contacts: Array<{ name: string }> };
    expect(contacts.map((c) => c.name)).toEqual(['Marcus Lee']);
  });

  it('answers 404 with a clear message for an unknown contact id', async () => {
    const response = await api('/api/contacts/c-999', { token: fullToken });
    expect(response.status).toBe(404);
    expect((await response.json()) as { message: string }).toMatchObject({ message: expect.stringContaining('c-999') });
  });

  it('answers 400 naming the problem for malformed JSON', async () => {
    const response = await api('/api/contacts', {
      method: 'POST',
      token: fullToken,
      headers: { 'content-type': 'application/json' },
      body: '{"name": ',
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { message: string }).message).toMatch(/not valid JSON/);
  });

  it('answers 400 naming each missing, mistyped or unknown field', async () => {
    const response = await api('/api/contacts', {
      method: 'POST',
      token: fullToken,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 42, email: 'not-an-email', nickname: 'x' }),
    });
    expect(response.status).toBe(400);
    const { message } = (await response.json()) as { message: string };
    expect(message).toContain('name');
    expect(message).toContain('email');
    expect(message).toContain('company');
    expect(message).toContain('nickname');
  });

  it('answers 415 for a body that is not declared as JSON', async () => {
    const response = await api('/api/contacts', { method: 'POST', token: fullToken, body: 'name=x' });
    expect(response.status).toBe(415);
  });

  it('answers 413 for a huge body and keeps serving', async () => {
    const response = await api('/api/contacts', {
      method: 'POST',
      token: fullToken,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'x'.repeat(200_000), email: 'a@b.example', company: 'c' }),
    });
    expect(response.status).toBe(413);
    expect((await api('/api/contacts', { token: fullToken })).status).toBe(200);
  });

  it('answers 409 for a duplicate email and keeps the first contact', async () => {
    const body = JSON.stringify({ name: 'Dup', email: 'ava.thompson@northwindhealth.example', company: 'X' });
    const response = await api('/api/contacts', {
      method: 'POST',
      token: fullToken,
      headers: { 'content-type': 'application/json' },
      body,
    });
    expect(response.status).toBe(409);
  });
});

describe('restricted records', () => {
  /** An approval as the hook issues it: a real step-up, approved on the emulator's phone. */
  async function approvalFor(tool: string, inputs: Record<string, unknown>): Promise<string> {
    stack.emulator!.phone.setPolicy('approve');
    const response = await fetch(stack.hookUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TEST_BEARER}` },
      body: JSON.stringify({
        execution_id: `e-${tool}-${JSON.stringify(inputs)}`,
        tool: { name: tool, toolkit: 'DuoCrm', version: '1' },
        inputs,
        context: {},
      }),
    });
    const result = (await response.json()) as { override: { inputs: { duo_approval: string } } };
    return result.override.inputs.duo_approval;
  }

  it('withholds them from unfiltered listings and says how many', async () => {
    const body = (await (await api('/api/contacts', { token: fullToken })).json()) as {
      contacts: Array<{ name: string }>;
      withheld: { count: number; message: string };
    };
    expect(body.contacts.map((c) => c.name)).not.toContain('Riley Vance');
    expect(body.withheld).toMatchObject({
      count: 1,
      message: expect.stringMatching(/1 restricted contact was withheld: ask for it by name or id/),
    });
    const deals = (await (await api('/api/deals', { token: fullToken })).json()) as {
      deals: Array<{ name: string }>;
      withheld: { count: number };
    };
    expect(deals.deals.map((d) => d.name).join()).not.toMatch(/Aegis/);
    expect(deals.withheld.count).toBe(1);
  });

  it('leaves them out of filtered listings silently, so a query cannot probe what they say', async () => {
    for (const path of ['/api/contacts?query=program%20director', '/api/contacts?query=riley.v', '/api/deals?query=secure%20agent']) {
      const body = (await (await api(path, { token: fullToken })).json()) as Record<string, unknown>;
      expect(JSON.stringify(body)).not.toMatch(/Riley|Aegis/);
      expect(body.withheld).toBeUndefined();
    }
  });

  it('refuses a restricted record by id without an approval, or with a forged one', async () => {
    for (const approval of [undefined, 'forged.approval.token']) {
      const headers = approval ? { 'x-duo-approval': approval } : undefined;
      const response = await api('/api/contacts/c-004', { token: fullToken, headers });
      expect(response.status).toBe(403);
      expect(((await response.json()) as { error: string }).error).toBe('approval_required');
    }
  });

  it('releases the approved records once, to the tool the approval was issued for', async () => {
    const approval = await approvalFor('GetContact', { id: 'c-004' });
    const headers = { 'x-duo-approval': approval };
    // Not for another tool…
    const listing = (await (await api('/api/contacts?query=aegis', { token: fullToken, headers })).json()) as { contacts: unknown[] };
    expect(listing.contacts).toEqual([]);
    // …but for its own, once.
    expect((await api('/api/contacts/c-004', { token: fullToken, headers })).status).toBe(200);
    expect((await api('/api/contacts/c-004', { token: fullToken, headers })).status).toBe(403);
  });

  it('an approval for a listing covers the named records in it, and not the restricted deal', async () => {
    const approval = await approvalFor('ListContacts', { query: 'Aegis' });
    const listing = (await (
      await api('/api/contacts?query=aegis', { token: fullToken, headers: { 'x-duo-approval': approval } })
    ).json()) as {
      contacts: Array<{ id: string }>;
    };
    expect(listing.contacts.map((c) => c.id)).toEqual(['c-004']);
    const deals = (await (await api('/api/deals?query=aegis', { token: fullToken, headers: { 'x-duo-approval': approval } })).json()) as {
      deals: unknown[];
    };
    expect(deals.deals).toEqual([]);
  });
});

describe('DEV_ALLOW_INSECURE', () => {
  it('accepts any bearer with DEV_SCOPES and warns loudly', async () => {
    const insecure = await startLocalStack({ DEV_ALLOW_INSECURE: 'true', DEV_SCOPES: 'crm.contacts.read' });
    try {
      expect(insecure.warnings.join(' ')).toMatch(/DEV_ALLOW_INSECURE=true/);
      const headers = { authorization: 'Bearer anything' };
      expect((await fetch(`${insecure.url}/api/contacts`, { headers })).status).toBe(200);
      expect((await fetch(`${insecure.url}/api/deals`, { headers })).status).toBe(403);
    } finally {
      await insecure.close();
    }
  });
});
