import { z } from 'zod';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { APPROVAL_INPUT } from '../approvals.js';
import { CrmClient, CrmError } from '../crm/client.js';
import { bearerToken } from '../crm/api.js';
import { InvalidTokenError, type TokenValidator } from '../crm/token-validator.js';
import type { StackEventMap, StackEvents } from '../events.js';
import { errorMessage } from '../errors.js';
import { TOOLKIT, TOOLS, type CrmTool } from '../tools.js';
import type { ArcadeStandIn, CallerIdentity } from './arcade-standin.js';

export interface McpOptions {
  crmBaseUrl: string;
  gate: ArcadeStandIn;
  validator: TokenValidator;
  events: StackEvents;
  version: string;
}

/**
 * The MCP endpoint (Streamable HTTP, stateless): a fresh server and transport per request, as the SDK
 * recommends for stateless mode. Each tool call passes the Arcade stand-in's hook check, then calls the CRM
 * with the caller's own Duo access token.
 */
export function createMcpHandler(options: McpOptions): (request: Request) => Promise<Response> {
  return async (request) => {
    const token = bearerToken(request.headers.get('authorization') ?? undefined);
    const server = buildServer(options, token);
    const transport = new WebStandardStreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    await server.connect(transport);
    try {
      return await transport.handleRequest(request);
    } finally {
      // Stateless: nothing outlives the request.
      void server.close();
    }
  };
}

function buildServer(options: McpOptions, token: string | undefined): McpServer {
  const server = new McpServer({ name: 'duo-arcade-crm', version: options.version });
  for (const tool of TOOLS) {
    server.registerTool(
      tool.name,
      {
        title: tool.title,
        description: `${tool.description} Requires the Duo scope ${tool.scope}.`,
        inputSchema: tool.inputShape,
        annotations: { title: tool.title, readOnlyHint: tool.readOnly, openWorldHint: false },
        _meta: { 'duo-arcade/scope': tool.scope, 'duo-arcade/arcadeName': `${TOOLKIT.name}.${tool.arcadeName}` },
      },
      async (args: Record<string, unknown>) => runTool(tool, args ?? {}, token, options),
    );
  }
  return server;
}

async function runTool(
  tool: CrmTool,
  args: Record<string, unknown>,
  token: string | undefined,
  options: McpOptions,
): Promise<CallToolResult> {
  options.events.emit('tool.call', { tool: tool.name, arguments: args });
  const started = performance.now();
  const reported = (result: Omit<StackEventMap['tool.result'][0], 'tool' | 'latencyMs'>): void => {
    options.events.emit('tool.result', { tool: tool.name, ...result, latencyMs: Math.round(performance.now() - started) });
  };
  if (!token) {
    reported({ ok: false, status: 401, message: 'not signed in' });
    return errorResult(
      `This tool needs a Duo sign-in with the scope ${tool.scope}: connect with "Authorization: Bearer <Duo access token>".`,
      {
        kind: 'unauthorized',
        status: 401,
      },
    );
  }
  // Like Arcade, check the user's authorization (layer 1) before the hook (layer 2): a made-up token must not
  // be able to make anyone's phone buzz.
  const caller = await identify(token, options.validator);
  if ('failure' in caller) {
    reported({ ok: false, status: caller.status, message: caller.failure });
    return errorResult(caller.failure, { kind: 'unauthorized', status: caller.status });
  }
  const decision = await options.gate.check(tool, args, caller);
  if (!decision.allowed) {
    reported({ ok: false, denied: true, message: decision.message });
    return errorResult(decision.message, { kind: 'denied' });
  }
  try {
    // The hook's approval (when Duo approved disclosing restricted records) travels to the CRM, not to the tool.
    const { [APPROVAL_INPUT]: approval, ...inputs } = decision.inputs;
    const input = parseInputs(tool, inputs);
    const value = await tool.run(new CrmClient(options.crmBaseUrl, token, typeof approval === 'string' ? approval : undefined), input);
    reported({ ok: true });
    return { content: [{ type: 'text', text: JSON.stringify(value, null, 2) }], structuredContent: value as Record<string, unknown> };
  } catch (error) {
    if (error instanceof CrmError) {
      reported({ ok: false, status: error.status, message: error.message });
      return errorResult(`CRM error ${error.status}: ${error.message}`, { kind: 'crm', status: error.status });
    }
    reported({ ok: false, message: errorMessage(error) });
    return errorResult(`The tool failed: ${errorMessage(error)}`, { kind: 'internal' });
  }
}

/** Inputs changed by the hook's override are validated again before use. */
function parseInputs(tool: CrmTool, inputs: Record<string, unknown>): Record<string, unknown> {
  return z.object(tool.inputShape).parse(inputs);
}

/** Who is calling, as Arcade would put it in the hook's context, or why the token cannot be used. */
async function identify(token: string, validator: TokenValidator): Promise<CallerIdentity | { failure: string; status: number }> {
  try {
    const grant = await validator.validate(token);
    const userId = grant.username ?? grant.subject;
    return {
      userId,
      scopes: [...grant.scopes],
      userInfo: userId ? { sub: grant.subject ?? userId, preferred_username: userId } : undefined,
    };
  } catch (error) {
    if (error instanceof InvalidTokenError)
      return { failure: `The Duo access token was refused: ${error.message} Sign in with Duo again.`, status: 401 };
    return { failure: `The Duo access token cannot be checked right now, so the tool did not run: ${errorMessage(error)}`, status: 503 };
  }
}

/** Metadata key telling a client why a call failed (`denied` by the hook, or the CRM's HTTP `status`). */
export const FAILURE_META_KEY = 'duo-arcade/failure';

function errorResult(text: string, failure: { kind: 'denied' | 'unauthorized' | 'crm' | 'internal'; status?: number }): CallToolResult {
  return { isError: true, content: [{ type: 'text', text }], _meta: { [FAILURE_META_KEY]: failure } };
}
