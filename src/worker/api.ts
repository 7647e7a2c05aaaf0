import { APPROVAL_INPUT } from '../approvals.js';
import { randomUUID } from 'node:crypto';
import { Hono, type Context, type MiddlewareHandler } from 'hono';
import { z } from 'zod';
import { bearerToken } from '../crm/api.js';
import { CrmClient, CrmError } from '../crm/client.js';
import type { StackEvents } from '../events.js';
import { errorMessage } from '../errors.js';
import { HttpProblem, describeIssues, isCallerGone, limitBody, readJsonObject } from '../http/problems.js';
import { noteRequest } from '../http/request-log.js';
import { TOOLKIT, findTool, normaliseToolName, type CrmTool } from '../tools.js';
import { verifyWorkerToken } from './auth.js';
import { definitionsHash, toolDefinitions } from './definitions.js';

export interface WorkerOptions {
  /** ARCADE_WORKER_SECRET; without it every /worker route answers 503 naming the variable. */
  secret?: string;
  /** ARCADE_PROVIDER_ID: the Arcade auth provider each tool requires. */
  providerId: string;
  /** Where the CRM listens (this same port): known only once the server is up. */
  crmBaseUrl: () => string;
  events: StackEvents;
}

/** Arcade's error kinds (arcade-core `ErrorKind`), the ones our tools can produce. */
export type ErrorKind =
  | 'TOOL_RUNTIME_BAD_INPUT_VALUE'
  | 'TOOL_RUNTIME_FATAL'
  | 'UPSTREAM_RUNTIME_BAD_REQUEST'
  | 'UPSTREAM_RUNTIME_AUTH_ERROR'
  | 'UPSTREAM_RUNTIME_NOT_FOUND'
  | 'UPSTREAM_RUNTIME_VALIDATION_ERROR'
  | 'UPSTREAM_RUNTIME_RATE_LIMIT'
  | 'UPSTREAM_RUNTIME_SERVER_ERROR'
  | 'UPSTREAM_RUNTIME_UNMAPPED';

export interface ToolCallError {
  message: string;
  kind: ErrorKind;
  developer_message: string | null;
  can_retry: boolean;
  status_code: number | null;
}

export interface ToolCallResponse {
  execution_id: string;
  finished_at: string;
  /** Milliseconds, as arcade-serve reports it. */
  duration: number;
  success: boolean;
  output: { value: unknown } | { error: ToolCallError };
}

const InvokeRequest = z.looseObject({
  execution_id: z.string().max(200).nullish(),
  run_id: z.string().max(200).nullish(),
  tool: z.looseObject({
    name: z.string().min(1).max(200),
    toolkit: z.string().max(200).nullish(),
    version: z.string().max(100).nullish(),
  }),
  // Not z.record: it would drop a "__proto__" key instead of letting the tool's own schema judge it.
  inputs: z
    .custom<Record<string, unknown>>((value) => typeof value === 'object' && value !== null && !Array.isArray(value), {
      message: 'must be an object',
    })
    .nullish(),
  context: z
    .looseObject({
      authorization: z.looseObject({ token: z.string().nullish(), user_info: z.unknown().optional() }).nullish(),
      user_id: z.string().nullish(),
    })
    .nullish(),
});
type InvokeRequest = z.infer<typeof InvokeRequest>;

const REALM = 'duo-arcade-worker';

/**
 * The Arcade worker surface (PROTOCOLS.md §4), mounted at /worker: Arcade lists the tools, then invokes them with
 * the user's Duo access token injected. There is no hook call here: Arcade calls the hook itself before it invokes
 * the worker. The inputs are still validated with the tool's own schema, and the CRM still introspects the token
 * and checks the tool's scope, so a token without the scope gets the CRM's 403 back as a tool error.
 */
export function createWorkerApi(options: WorkerOptions): Hono {
  const app = new Hono();
  const { secret } = options;

  if (!secret) {
    // Health too: a worker that cannot authenticate Arcade must not look healthy in Arcade's dashboard.
    app.all('*', (c) =>
      c.json(
        {
          error: 'worker_disabled',
          message: 'The Arcade worker is off: set ARCADE_WORKER_SECRET (the secret you give Arcade when adding this server) and restart.',
        },
        503,
      ),
    );
    return app;
  }

  const definitions = toolDefinitions(options.providerId);
  const hash = definitionsHash(definitions);
  const startedAt = new Date().toISOString();

  app.get('/health', (c) =>
    c.json({ status: 'ok', tool_count: String(definitions.length), tool_definitions_hash: hash, started_at: startedAt }),
  );

  const authenticate: MiddlewareHandler = async (c, next) => {
    const result = await verifyWorkerToken(bearerToken(c.req.header('authorization')), secret);
    if (!result.ok) {
      if (result.wrongSecret) {
        options.events.emit('log', {
          level: 'warn',
          message: 'worker: a call was signed with another secret: ARCADE_WORKER_SECRET must equal the secret set on the server in Arcade.',
        });
      }
      c.header('WWW-Authenticate', `Bearer realm="${REALM}"`);
      return c.json({ error: 'unauthorized', message: result.reason }, 401);
    }
    await next();
  };

  app.get('/tools', authenticate, (c) => c.json(definitions));

  app.post('/tools/invoke', limitBody(), authenticate, async (c) => {
    const parsed = InvokeRequest.safeParse(await readJsonObject(c));
    if (!parsed.success) throw new HttpProblem(400, 'invalid_request', `Not a tool call request: ${describeIssues(parsed.error.issues)}`);
    const tool = resolveTool(parsed.data.tool);
    const response = await invoke(tool, parsed.data, options);
    const output = response.output;
    noteRequest(c, {
      subject: `${TOOLKIT.name}.${tool.arcadeName}`,
      outcome: 'error' in output ? `${output.error.kind}: ${output.error.message}` : 'success',
      ok: response.success,
    });
    return c.json(response);
  });

  app.all('*', (c) =>
    c.json(
      {
        error: 'not_found',
        message: `No worker route ${c.req.method} ${c.req.path}: Arcade uses GET /worker/health, GET /worker/tools and POST /worker/tools/invoke.`,
      },
      404,
    ),
  );
  app.onError((error, c) => workerError(c, error, options.events));
  return app;
}

function resolveTool(reference: InvokeRequest['tool']): CrmTool {
  const tool = findTool(reference.name);
  const toolkitMatches = !reference.toolkit || normaliseToolName(reference.toolkit) === normaliseToolName(TOOLKIT.name);
  if (!tool || !toolkitMatches) {
    const name = reference.toolkit ? `${reference.toolkit}.${reference.name}` : reference.name;
    throw new HttpProblem(
      404,
      'tool_not_found',
      `This worker has no tool ${name}; it serves ${TOOLKIT.name}.*. List them with GET /worker/tools.`,
    );
  }
  return tool;
}

async function invoke(tool: CrmTool, request: InvokeRequest, options: WorkerOptions): Promise<ToolCallResponse> {
  const started = performance.now();
  const finish = (output: ToolCallResponse['output']): ToolCallResponse => ({
    execution_id: request.execution_id ?? `we_${randomUUID()}`,
    finished_at: new Date().toISOString(),
    duration: Math.round((performance.now() - started) * 10) / 10,
    success: !('error' in output),
    output,
  });

  // The hook's approval (in its override of the inputs) travels to the CRM, not to the tool.
  const { [APPROVAL_INPUT]: approval, ...inputs } = request.inputs ?? {};
  const input = z.object(tool.inputShape).safeParse(inputs);
  if (!input.success) {
    return finish({
      error: toolError('TOOL_RUNTIME_BAD_INPUT_VALUE', `Invalid input for ${tool.arcadeName}: ${describeIssues(input.error.issues)}`),
    });
  }
  const token = request.context?.authorization?.token;
  if (!token) {
    return finish({
      error: toolError('UPSTREAM_RUNTIME_AUTH_ERROR', `No Duo access token came with this call, so ${tool.arcadeName} did not run.`, {
        developer_message:
          'Arcade injects context.authorization.token when the tool requires an auth provider: check that ARCADE_PROVIDER_ID names the Duo provider in Arcade.',
        status_code: 401,
      }),
    });
  }
  try {
    const value = await tool.run(
      new CrmClient(options.crmBaseUrl(), token, typeof approval === 'string' ? approval : undefined),
      input.data,
    );
    return finish({ value });
  } catch (error) {
    if (error instanceof CrmError) return finish({ error: crmToolError(error) });
    options.events.emit('log', { level: 'error', message: `worker: ${tool.arcadeName} failed unexpectedly: ${errorMessage(error)}` });
    return finish({
      error: toolError('TOOL_RUNTIME_FATAL', `${tool.arcadeName} failed unexpectedly.`, { developer_message: errorMessage(error) }),
    });
  }
}

/** The CRM's answer, kept as the tool error: its status says why (403 "Missing required scope: …"). */
function crmToolError(error: CrmError): ToolCallError {
  const status = error.status;
  const extra = { status_code: status || null };
  if (status === 401) {
    return toolError('UPSTREAM_RUNTIME_AUTH_ERROR', error.message, {
      ...extra,
      developer_message: 'Duo did not accept the access token (expired or revoked): authorize again in Arcade.',
    });
  }
  if (status === 403 && error.code === 'approval_required') {
    return toolError('UPSTREAM_RUNTIME_AUTH_ERROR', error.message, {
      ...extra,
      developer_message:
        'The record is restricted: the CRM releases it only with the step-up approval the Duo hook adds to the inputs (duo_approval). Check that the Logic Extension is active and that Arcade passes the hook’s override through.',
    });
  }
  if (status === 403) {
    return toolError('UPSTREAM_RUNTIME_AUTH_ERROR', error.message, {
      ...extra,
      developer_message:
        'Duo did not grant this scope to the user: grant it in Duo (Access Policy → Scope Authorization), then authorize again in Arcade.',
    });
  }
  if (status === 400) return toolError('UPSTREAM_RUNTIME_BAD_REQUEST', error.message, extra);
  if (status === 404) return toolError('UPSTREAM_RUNTIME_NOT_FOUND', error.message, extra);
  if (status === 409 || status === 413 || status === 415 || status === 422)
    return toolError('UPSTREAM_RUNTIME_VALIDATION_ERROR', error.message, extra);
  if (status === 429) return toolError('UPSTREAM_RUNTIME_RATE_LIMIT', error.message, { ...extra, can_retry: true });
  if (status === 0 || status >= 500)
    return toolError('UPSTREAM_RUNTIME_SERVER_ERROR', error.message, { ...extra, can_retry: status === 0 || status === 503 });
  return toolError('UPSTREAM_RUNTIME_UNMAPPED', error.message, extra);
}

function toolError(kind: ErrorKind, message: string, extra: Partial<Omit<ToolCallError, 'kind' | 'message'>> = {}): ToolCallError {
  return { message, kind, developer_message: null, can_retry: false, status_code: null, ...extra };
}

function workerError(c: Context, error: unknown, events: StackEvents): Response {
  if (error instanceof HttpProblem) return c.json({ error: error.error, message: error.message }, error.status);
  if (isCallerGone(error)) {
    events.emit('log', { level: 'warn', message: 'worker: the caller hung up before its request arrived in full' });
    return c.json({ error: 'incomplete_body', message: 'The request body was cut off before it was complete.' }, 400);
  }
  events.emit('log', { level: 'error', message: `worker: unexpected error: ${errorMessage(error)}` });
  return c.json({ error: 'internal_error', message: 'The worker hit an unexpected error; see the server log.' }, 500);
}
