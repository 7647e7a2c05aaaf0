import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent } from '../src/agent.js';
import { ARCADE_DENIAL_PREFIX } from '../src/mcp/arcade-standin.js';
import type { Stack } from '../src/stack.js';
import { TOOLS } from '../src/tools.js';
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

  it('fails closed when the hook cannot be reached', async () => {
    const other = await startLocalStack({ HOOK_BEARER_TOKEN: 'a-different-bearer-than-the-hook-expects' });
    // Same stack, but the stand-in presents a bearer the hook rejects → 401 → denied, never run.
    await other.close();
    const agent = new Agent(other.mcpUrl);
    agent.setToken(token);
    const outcome = await agent.call('list_contacts', {});
    expect(outcome.kind).toBe('error');
    await agent.close();
  });
});
