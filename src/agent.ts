import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { errorMessage } from './errors.js';
import { FAILURE_META_KEY } from './mcp/server.js';
import { VERSION } from './version.js';

export interface ToolOutcome {
  /** success: the tool ran; denied: the hook stopped it; error: it ran and failed (or could not run). */
  kind: 'success' | 'denied' | 'error';
  /** What the agent (the model) would read. */
  text: string;
  status?: number;
  value?: unknown;
}

/**
 * The scripted agent: a real MCP client over Streamable HTTP, holding the user's Duo access token.
 * It reconnects when the token changes (a new sign-in), like a client re-created with new credentials.
 */
export class Agent {
  private client?: Client;
  private token?: string;

  constructor(private readonly mcpUrl: string) {}

  setToken(token: string): void {
    if (token === this.token) return;
    this.token = token;
    void this.client?.close();
    this.client = undefined;
  }

  async listTools(): Promise<string[]> {
    const client = await this.connect();
    const { tools } = await client.listTools();
    return tools.map((tool) => tool.name);
  }

  async call(tool: string, args: Record<string, unknown>): Promise<ToolOutcome> {
    let result: Awaited<ReturnType<Client['callTool']>>;
    try {
      const client = await this.connect();
      result = await client.callTool({ name: tool, arguments: args }, undefined, { timeout: 60_000 });
    } catch (error) {
      return { kind: 'error', text: `The MCP call failed: ${errorMessage(error)}` };
    }
    const text = (Array.isArray(result.content) ? result.content : [])
      .map((part: { type: string; text?: string }) => (part.type === 'text' ? (part.text ?? '') : ''))
      .join('\n');
    if (!result.isError) return { kind: 'success', text, value: result.structuredContent ?? safeJson(text) };
    const failure = (result._meta?.[FAILURE_META_KEY] ?? {}) as { kind?: string; status?: number };
    return { kind: failure.kind === 'denied' ? 'denied' : 'error', text, status: failure.status };
  }

  async close(): Promise<void> {
    await this.client?.close();
    this.client = undefined;
  }

  private async connect(): Promise<Client> {
    if (this.client) return this.client;
    const headers: Record<string, string> = this.token ? { Authorization: `Bearer ${this.token}` } : {};
    const client = new Client({ name: 'duo-arcade-agent', version: VERSION });
    await client.connect(new StreamableHTTPClientTransport(new URL(this.mcpUrl), { requestInit: { headers } }));
    this.client = client;
    return client;
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
