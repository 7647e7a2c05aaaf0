import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { Hono, type Context } from 'hono';
import type { StackEvents } from '../events.js';
import { errorMessage } from '../errors.js';
import { HttpProblem, describeIssues, limitBody, readJsonObject } from '../http/problems.js';
import { noteRequest, type RequestNote } from '../http/request-log.js';
import { bearerToken } from '../crm/api.js';
import { PreHookRequest, type PreHookResult } from './contract.js';
import { inspectInputs } from './sensitivity.js';
import type { StepUp, StepUpOutcome } from './stepup.js';

export interface HookOptions {
  bearerToken: string;
  sensitiveTerms: readonly string[];
  stepUp: StepUp;
  /** Duo username that approves step-ups (DUO_STEPUP_USERNAME). */
  stepupUsername: string;
  /** Our answer is always sent within this budget, so Arcade never times out on us. */
  timeoutMs: number;
  events: StackEvents;
}

/** Margin kept between our deadline and the hook budget, for the response to travel back. */
const RESPONSE_MARGIN_MS = 750;
const MAX_PUSHINFO_VALUE = 200;

/**
 * Arcade's pre-execution hook. Fails closed: any parse error, exception or missed deadline becomes a
 * well-formed CHECK_FAILED; only a clean "not sensitive" or an approval answers OK.
 */
export function createHookApi(options: HookOptions): Hono {
  const app = new Hono();
  const expected = digest(options.bearerToken);

  app.get('/health', (c) => c.json({ status: 'healthy' }));

  app.post('/pre', limitBody(undefined, { code: 'CHECK_FAILED' }), async (c) => {
    const token = bearerToken(c.req.header('authorization'));
    if (!token || !timingSafeEqual(digest(token), expected)) {
      c.header('WWW-Authenticate', 'Bearer realm="duo-arcade-hook"');
      return c.json({ error: token ? 'Invalid bearer token.' : 'Missing bearer token.', code: 'CHECK_FAILED' }, 401);
    }
    const parsed = PreHookRequest.safeParse(await readJsonObject(c));
    if (!parsed.success) {
      throw new HttpProblem(400, 'invalid_request', `Not a pre-execution hook request: ${describeIssues(parsed.error.issues)}`, { code: 'CHECK_FAILED' });
    }
    return c.json(await decide(parsed.data, options, (note) => noteRequest(c, note)));
  });

  app.all('/pre', (c) => {
    c.header('Allow', 'POST');
    return c.json({ error: `Use POST for ${c.req.path}.`, code: 'CHECK_FAILED' }, 405);
  });
  // Mounted sub-apps do not get their own notFound in Hono, so the catch-all is a route.
  app.all('*', (c) => c.json({ error: `No hook route ${c.req.method} ${c.req.path}: the pre-execution hook is POST /hooks/pre.`, code: 'CHECK_FAILED' }, 404));
  app.onError((error, c) => hookError(c, error, options.events));
  return app;
}

async function decide(request: PreHookRequest, options: HookOptions, note: (note: RequestNote) => void): Promise<PreHookResult> {
  const started = performance.now();
  const ref = randomBytes(3).toString('hex').toUpperCase();
  const toolLabel = request.tool.toolkit ? `${request.tool.toolkit}.${request.tool.name}` : request.tool.name;
  const finish = (result: PreHookResult, reason: string, extra: { matchedTerm?: string; stepUp: boolean }): PreHookResult => {
    const failedRef = result.code === 'OK' ? '' : ` [ref ${ref}]`;
    note({ subject: toolLabel, outcome: `${result.code} · ${reason}${failedRef}`, ok: result.code === 'OK' });
    options.events.emit('hook.decision', {
      executionId: request.execution_id,
      tool: toolLabel,
      userId: request.context.user_id,
      code: result.code === 'OK' ? 'OK' : 'CHECK_FAILED',
      reason,
      ref: result.code === 'OK' ? undefined : ref,
      latencyMs: Math.round(performance.now() - started),
      ...extra,
    });
    return result;
  };

  try {
    const verdict = inspectInputs(request.inputs, options.sensitiveTerms);
    if (verdict.kind === 'clear') return finish({ code: 'OK' }, 'not sensitive', { stepUp: false });

    const matchedTerm = verdict.kind === 'match' ? verdict.term : `(inputs too complex to inspect: ${verdict.why})`;
    const shownQuery = verdict.kind === 'match' ? verdict.value : '(inputs too complex to inspect)';
    const deadline = AbortSignal.timeout(Math.max(500, options.timeoutMs - RESPONSE_MARGIN_MS));
    const outcome: StepUpOutcome = await options.stepUp.request(
      {
        executionId: request.execution_id,
        username: options.stepupUsername,
        title: 'Sensitive CRM access',
        pushinfo: {
          from: clip(`AI agent${request.context.user_id ? ` for ${request.context.user_id}` : ''}`),
          tool: clip(toolLabel),
          query: clip(shownQuery),
        },
      },
      deadline,
      (txid) =>
        options.events.emit('stepup.push', {
          executionId: request.execution_id,
          username: options.stepupUsername,
          txid,
          pushinfo: { tool: toolLabel, query: clip(shownQuery) },
        }),
    );
    if (outcome.approved) return finish({ code: 'OK' }, outcome.reason, { matchedTerm, stepUp: true });
    if (outcome.operatorDetail) options.events.emit('log', { level: 'warn', message: `hook [ref ${ref}] ${outcome.operatorDetail}` });
    return finish({ code: 'CHECK_FAILED', error_message: `${outcome.reason} [ref ${ref}]` }, outcome.reason, { matchedTerm, stepUp: true });
  } catch (error) {
    options.events.emit('log', { level: 'error', message: `hook [ref ${ref}] unexpected error: ${errorMessage(error)}` });
    return finish({ code: 'CHECK_FAILED', error_message: `The access check failed unexpectedly, so the request was refused. [ref ${ref}]` }, 'internal error', {
      stepUp: false,
    });
  }
}

function hookError(c: Context, error: unknown, events: StackEvents): Response {
  if (error instanceof HttpProblem) return c.json({ error: error.message, code: 'CHECK_FAILED' }, error.status);
  events.emit('log', { level: 'error', message: `hook: unexpected error: ${errorMessage(error)}` });
  return c.json({ error: 'The hook hit an unexpected error.', code: 'CHECK_FAILED' }, 500);
}

/** Equal-length digests, so the comparison is constant-time whatever the presented token's length. */
function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/** Tool inputs come from a model: no control characters, bounded length. */
function clip(value: string): string {
  // eslint-disable-next-line no-control-regex
  const clean = value.replace(/[\u0000-\u001F\u007F-\u009F]+/g, ' ').trim();
  return clean.length > MAX_PUSHINFO_VALUE ? `${clean.slice(0, MAX_PUSHINFO_VALUE - 1)}…` : clean;
}
