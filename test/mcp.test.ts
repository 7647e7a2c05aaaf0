import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent } from '../src/agent.js';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ARCADE_DENIAL_PREFIX, ArcadeStandIn } from '../src/mcp/arcade-standin.js';
import type { Stack } from '../src/stack.js';
import { TOOLS, findTool } from '../src/tools.js';
import { signIn, startLocalStack } from './support/stack.js';

let stack: Stack;
let token: string;
beforeAll(async () => {
  stack = await startLocalStack();
  token = await signIn(stack);
});
afterAll(async () => stack.close());

async function connect(bearer?: string): Promise<Client> {
  const client = new Client({ name: 'test', version: '0.0.0' });
  const headers: Record<string, string> = bearer ? { Authorization: `Bearer ${bearer}` } : {};
  await client.connect(new StreamableHTTPClientTransport(new URL(stack.mcpUrl), { requestInit: { headers } }));
  return client;
}

describe('MCP server', () => {
  it('lists the four CRM tools, each declaring its Duo scope', async () => {
    const client = await connect(token);
    try {
      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name).sort()).toEqual(['create_contact', 'get_contact', 'list_contacts', 'list_deals']);
      for (const tool of TOOLS) {
        const listed = tools.find((t) => t.name === tool.name)!;
        expect(listed._meta?.['duo-arcade/scope']).toBe(tool.scope);
        expect(listed.description).toContain(tool.scope);
      }
      expect(tools.find((t) => t.name === 'get_contact')!.inputSchema.required).toEqual(['id']);
    } finally {
      await client.close();
    }
  });

  it('runs a tool with the caller’s token and returns the CRM data', async () => {
    const client = await connect(token);
    try {
      const result = await client.callTool({ name: 'get_contact', arguments: { id: 'c-004' } });
      expect(result.isError).toBeFalsy();
      expect(JSON.stringify(result.content)).toContain('Riley Vance');
    } finally {
      await client.close();
    }
  });

  it('reports a missing sign-in as a tool error, not a crash', async () => {
    const agent = new Agent(stack.mcpUrl);
    try {
      const outcome = await agent.call('list_contacts', {});
      expect(outcome).toMatchObject({ kind: 'error', status: 401 });
      expect(outcome.text).toMatch(/Duo sign-in/);
    } finally {
      await agent.close();
    }
  });

  it('refuses a made-up token before the hook, so it cannot make the phone buzz', async () => {
    const before = stack.emulator!.phone.history.length;
    const agent = new Agent(stack.mcpUrl);
    agent.setToken('made-up-token');
    try {
      const outcome = await agent.call('list_contacts', { query: 'defence' });
      expect(outcome).toMatchObject({ kind: 'error', status: 401 });
      expect(outcome.text).toMatch(/Sign in with Duo again/);
      expect(stack.emulator!.phone.history.length).toBe(before);
    } finally {
      await agent.close();
    }
  });

  it('lets the CRM’s 403 through as a tool error when the scope is missing', async () => {
    const limited = await signIn(stack, ['openid', 'crm.contacts.read']);
    const agent = new Agent(stack.mcpUrl);
    agent.setToken(limited);
    try {
      const outcome = await agent.call('list_deals', {});
      expect(outcome).toMatchObject({ kind: 'error', status: 403 });
      expect(outcome.text).toContain('Missing required scope: crm.deals.read');
    } finally {
      await agent.close();
    }
  });

  it('rejects invalid tool arguments before calling the hook or the CRM', async () => {
    const client = await connect(token);
    try {
      const result = await client.callTool({ name: 'get_contact', arguments: { id: 42 } });
      expect(result.isError).toBe(true);
    } finally {
      await client.close();
    }
  });
});

describe('Arcade stand-in', () => {
  it('calls the real hook before the tool and stops the agent with Arcade’s denial text', async () => {
    const decisions: string[] = [];
    const onDecision = (event: { tool: string; code: string }) => decisions.push(`${event.tool}:${event.code}`);
    stack.events.on('hook.decision', onDecision);
    stack.emulator!.phone.setPolicy('deny');
    const agent = new Agent(stack.mcpUrl);
    agent.setToken(token);
    try {
      const outcome = await agent.call('list_contacts', { query: 'defence' });
      expect(outcome.kind).toBe('denied');
      expect(outcome.text.startsWith(ARCADE_DENIAL_PREFIX)).toBe(true);
      expect(outcome.text).not.toContain('Riley');
      expect(decisions).toEqual(['DuoCrm.ListContacts:CHECK_FAILED']);
    } finally {
      stack.events.off('hook.decision', onDecision);
      stack.emulator!.phone.setPolicy('approve');
      await agent.close();
    }
  });

  it('sends the hook the caller’s identity and Duo scopes', async () => {
    const seen: Array<Record<string, string>> = [];
    stack.emulator!.phone.setPolicy((push) => {
      seen.push(push.pushinfo);
      return 'approve';
    });
    const agent = new Agent(stack.mcpUrl);
    agent.setToken(token);
    try {
      const outcome = await agent.call('list_contacts', { query: 'military' });
      expect(outcome.kind).toBe('success');
      expect(seen[0]?.from).toContain('demouser');
    } finally {
      stack.emulator!.phone.setPolicy('approve');
      await agent.close();
    }
  });

  describe('fails closed on every hook failure', () => {
    let hook: Server;
    let hookUrl: string;
    let answer: (res: ServerResponse) => void = () => undefined;
    beforeAll(async () => {
      hook = createServer((_req, res) => answer(res));
      await new Promise<void>((resolve) => hook.listen(0, '127.0.0.1', resolve));
      hookUrl = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hooks/pre`;
    });
    afterAll(async () => {
      hook.closeAllConnections();
      await new Promise((resolve) => hook.close(resolve));
    });

    const tool = findTool('list_contacts')!;
    const cases: Array<[string, (res: ServerResponse) => void, RegExp]> = [
      ['HTTP 500', (res) => res.writeHead(500).end('{}'), /failed \(HTTP 500\)/],
      ['HTTP 401', (res) => res.writeHead(401).end('{}'), /failed \(HTTP 401\)/],
      ['a body that is not JSON', (res) => res.writeHead(200, { 'content-type': 'application/json' }).end('OK'), /malformed/],
      ['an unknown code', (res) => res.writeHead(200).end('{"code":"MAYBE"}'), /malformed/],
      ['an extra top-level field', (res) => res.writeHead(200).end('{"code":"OK","allow":true}'), /malformed/],
      ['no answer in time', () => undefined, /did not answer within 300 ms/],
    ];
    for (const [name, respond, reason] of cases) {
      it(`denies on ${name}`, async () => {
        answer = respond;
        const gate = new ArcadeStandIn({ hookUrl, bearerToken: 'b', timeoutMs: 300 });
        const decision = await gate.check(tool, { query: 'x' }, { scopes: [] });
        expect(decision.allowed).toBe(false);
        if (!decision.allowed) {
          expect(decision.message.startsWith(ARCADE_DENIAL_PREFIX)).toBe(true);
          expect(decision.message).toMatch(reason);
        }
      });
    }

    it('allows on OK and applies override.inputs', async () => {
      answer = (res) => res.writeHead(200).end(JSON.stringify({ code: 'OK', override: { inputs: { query: 'narrowed' } } }));
      const gate = new ArcadeStandIn({ hookUrl, bearerToken: 'b', timeoutMs: 300 });
      expect(await gate.check(tool, { query: 'x' }, { scopes: [] })).toEqual({ allowed: true, inputs: { query: 'narrowed' } });
    });

    it('denies when the hook cannot be reached at all', async () => {
      const gate = new ArcadeStandIn({ hookUrl: 'http://127.0.0.1:9/hooks/pre', bearerToken: 'b', timeoutMs: 300 });
      const decision = await gate.check(tool, {}, { scopes: [] });
      expect(decision.allowed).toBe(false);
    });
  });
});
