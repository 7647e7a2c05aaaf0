import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { Hono, type Context } from 'hono';
import { APPROVAL_INPUT, type ApprovalSigner } from '../approvals.js';
import { bearerToken } from '../crm/api.js';
import type { DisclosedRecord } from '../crm/store.js';
import { deadline } from '../deadline.js';
import { errorMessage } from '../errors.js';
import type { DecisionOutcome, StackEvents } from '../events.js';
import { HttpProblem, describeIssues, isCallerGone, limitBody, readJsonObject } from '../http/problems.js';
import { noteRequest, type RequestNote } from '../http/request-log.js';
import { SCOPES, findTool } from '../tools.js';
import { PreHookRequest, type PreHookResult } from './contract.js';
import { ExecutionDecisions, fingerprintOf } from './executions.js';
import { resolveApprover } from './identity.js';
import { buildPushinfo } from './pushinfo.js';
import { inspectInputs } from './sensitivity.js';
import type { StepUp, StepUpOutcome } from './stepup.js';

export interface HookPolicy {
  sensitiveTerms: readonly string[];
  /** Tools (MCP or Arcade names) that always need step-up. */
  stepUpTools: readonly string[];
  stepUpWrites: boolean;
}

export interface HookOptions {
  bearerToken: string;
  policy: HookPolicy;
  stepUp: StepUp;
  /** Duo username that approves step-ups when there is no user map (DUO_STEPUP_USERNAME). */
  stepupUsername: string;
  userMap?: Record<string, string>;
  /** The Duo provider's id in Arcade (ARCADE_PROVIDER_ID): whose user_info names the caller. */
  providerId: string;
  /** Our answer is always sent within this budget, so Arcade never times out on us. */
  timeoutMs: number;
  /** Step-ups one Duo user may have waiting at once: a flood of pushes invites approving one to make it stop. */
  maxPendingPushes: number;
  events: StackEvents;
  /** The restricted CRM records a call to one of our tools would disclose. */
  restrictedDisclosedBy: (tool: string, inputs: Record<string, unknown>) => DisclosedRecord[];
  approvals: ApprovalSigner;
}

export interface HookApi {
  app: Hono;
  /** Answers every pending call with CHECK_FAILED and waits (bounded) until they are sent. */
  shutdown(): Promise<void>;
}

/** Kept between our deadline and the hook budget for the answer to travel back. */
export function responseMargin(timeoutMs: number): number {
  return Math.min(2_000, Math.max(500, Math.round(timeoutMs * 0.05)));
}

/** How long a Duo Push stays answerable on the phone (Duo times it out after about a minute). */
const DUO_PUSH_LIFETIME_MS = 60_000;

/** How long the hook waits for Duo's answer before saying "timed out" itself. */
export function approvalWaitMs(timeoutMs: number): number {
  return Math.max(500, timeoutMs - responseMargin(timeoutMs));
}

/** A decision, and its line for the request log. */
interface Decided {
  result: PreHookResult;
  note: RequestNote;
}

/** Why a call needs step-up, for the push, the audit log and the narration. */
interface StepUpReason {
  rule: string;
  /** What the phone shows as "query": the input that triggered it. */
  shown: string;
  disclosed: DisclosedRecord[];
}

/**
 * Arcade's pre-execution hook. Fails closed: any parse error, exception, missed deadline or shutdown becomes
 * a well-formed CHECK_FAILED; only a call that no rule flags, or an approval, answers OK.
 */
export function createHookApi(options: HookOptions): HookApi {
  const app = new Hono();
  const expected = digest(options.bearerToken);
  const decisions = new ExecutionDecisions<Decided>();
  const shuttingDown = new AbortController();
  // Every pending step-up listens for shutdown: many at once is normal, not a leak (listeners go when they settle).
  setMaxListeners(0, shuttingDown.signal);
  const pending = new Set<Promise<unknown>>();
  const phones = new PhoneQueue();

  app.get('/health', (c) =>
    c.json({ status: shuttingDown.signal.aborted ? 'unhealthy' : 'healthy' }, shuttingDown.signal.aborted ? 503 : 200),
  );

  app.post('/pre', limitBody(undefined, { code: 'CHECK_FAILED' }), async (c) => {
    const token = bearerToken(c.req.header('authorization'));
    if (!token || !timingSafeEqual(digest(token), expected)) {
      c.header('WWW-Authenticate', 'Bearer realm="duo-arcade-hook"');
      return c.json({ error: token ? 'Invalid bearer token.' : 'Missing bearer token.', code: 'CHECK_FAILED' }, 401);
    }
    const parsed = PreHookRequest.safeParse(await readJsonObject(c));
    if (!parsed.success) {
      throw new HttpProblem(400, 'invalid_request', `Not a pre-execution hook request: ${describeIssues(parsed.error.issues)}`, {
        code: 'CHECK_FAILED',
      });
    }
    const request = parsed.data;
    const fingerprint = fingerprintOf({ tool: request.tool, inputs: request.inputs, context: request.context });
    const decision = decisions.decideOnce(
      request.execution_id,
      fingerprint,
      () => decide(request, options, shuttingDown.signal, phones),
      () => refuse(request, options, 'conflict', 'This execution id was already used for a different request, so it was refused.'),
    );
    pending.add(decision);
    try {
      const { result, note } = await decision;
      noteRequest(c, note);
      return c.json(result);
    } finally {
      pending.delete(decision);
    }
  });

  app.all('/pre', (c) => {
    c.header('Allow', 'POST');
    return c.json({ error: `Use POST for ${c.req.path}.`, code: 'CHECK_FAILED' }, 405);
  });
  // Mounted sub-apps do not get their own notFound in Hono, so the catch-all is a route.
  app.all('*', (c) =>
    c.json({ error: `No hook route ${c.req.method} ${c.req.path}: the pre-execution hook is POST /hooks/pre.`, code: 'CHECK_FAILED' }, 404),
  );
  app.onError((error, c) => hookError(c, error, options.events));

  return {
    app,
    shutdown: async () => {
      shuttingDown.abort();
      await Promise.race([Promise.allSettled([...pending]), new Promise((resolve) => setTimeout(resolve, 2_000).unref())]);
    },
  };
}

/** How many step-ups wait on each Duo user's phone right now. */
class PhoneQueue {
  private readonly waiting = new Map<string, number>();
  count(user: string): number {
    return this.waiting.get(user) ?? 0;
  }
  add(user: string): () => void {
    this.waiting.set(user, this.count(user) + 1);
    return () => {
      const left = this.count(user) - 1;
      if (left > 0) this.waiting.set(user, left);
      else this.waiting.delete(user);
    };
  }
}

async function decide(request: PreHookRequest, options: HookOptions, shuttingDown: AbortSignal, phones: PhoneQueue): Promise<Decided> {
  const started = performance.now();
  const ref = randomBytes(3).toString('hex').toUpperCase();
  const toolLabel = request.tool.toolkit ? `${request.tool.toolkit}.${request.tool.name}` : request.tool.name;
  const approver = resolveApprover(request.context, options.userMap, options.stepupUsername, options.providerId);
  const finish = (
    result: PreHookResult,
    outcome: DecisionOutcome,
    reason: string,
    extra: { rule?: string; txid?: string; stepUp: boolean },
  ): Decided => {
    options.events.emit('hook.decision', {
      ref,
      executionId: request.execution_id,
      tool: toolLabel,
      userId: approver.caller,
      duoUser: approver.ok ? approver.duoUser : undefined,
      code: result.code,
      outcome,
      reason,
      latencyMs: Math.round(performance.now() - started),
      ...extra,
    });
    return { result, note: noteOf(toolLabel, result, reason, ref) };
  };
  const deny = (reason: string) => ({ code: 'CHECK_FAILED' as const, error_message: `${reason} [ref ${ref}]` });

  try {
    if (shuttingDown.aborted)
      return finish(deny('duo-arcade is shutting down, so the request was refused.'), 'shutdown', 'shutting down', { stepUp: false });
    const needs = stepUpReason(request, options);
    if (!needs) return finish({ code: 'OK' }, 'not-sensitive', 'not sensitive', { stepUp: false });
    if (!approver.ok) return finish(deny(approver.reason), 'unmapped-user', approver.reason, { rule: needs.rule, stepUp: true });
    const waiting = phones.count(approver.duoUser);
    if (waiting >= options.maxPendingPushes) {
      const reason = `${approver.duoUser} already has ${waiting} approval${waiting === 1 ? '' : 's'} waiting on their phone; answer ${waiting === 1 ? 'it' : 'them'} first, then ask again.`;
      const limited = { code: 'RATE_LIMIT_EXCEEDED' as const, error_message: `${reason} [ref ${ref}]` };
      return finish(limited, 'push-limit', reason, { rule: needs.rule, stepUp: true });
    }
    const budget = deadline(approvalWaitMs(options.timeoutMs), shuttingDown);
    const pushinfo = buildPushinfo({
      from: `AI agent${approver.caller ? ` for ${approver.caller}` : ''}`,
      tool: toolLabel,
      query: needs.shown,
      rule: needs.rule,
      ...(needs.disclosed.length ? { discloses: needs.disclosed.map((r) => r.label).join('; ') } : {}),
    });
    let txid: string | undefined;
    let pushedAt: number | undefined;
    let outcome: StepUpOutcome;
    const leavePhone = phones.add(approver.duoUser); // no await since the count was read: the check holds
    try {
      // Counted until Duo has an answer: the approval that follows is ours to issue, not the phone's.
      outcome = await options.stepUp.request(
        { executionId: request.execution_id, username: approver.duoUser, title: 'Sensitive CRM access', pushinfo },
        budget.signal,
        (pushed) => {
          txid = pushed;
          pushedAt = performance.now();
          options.events.emit('stepup.push', { executionId: request.execution_id, username: approver.duoUser, txid: pushed, pushinfo });
        },
      );
    } finally {
      // Stopped waiting before Duo answered: the push is still on the phone, and keeps its place until it expires.
      const stillOnPhone = pushedAt !== undefined && budget.signal.aborted;
      budget.clear();
      if (stillOnPhone) setTimeout(leavePhone, Math.max(0, pushedAt! + DUO_PUSH_LIFETIME_MS - performance.now())).unref();
      else leavePhone();
    }
    const extra = { rule: needs.rule, txid: outcome.txid ?? txid, stepUp: true };
    if (shuttingDown.aborted && !outcome.approved) {
      return finish(deny('duo-arcade is shutting down, so the request was refused.'), 'shutdown', 'shutting down', extra);
    }
    if (!outcome.approved) {
      if (outcome.operatorDetail) options.events.emit('log', { level: 'warn', message: `hook [ref ${ref}] ${outcome.operatorDetail}` });
      return finish(deny(outcome.reason), outcome.outcome, outcome.reason, extra);
    }
    const tool = findTool(request.tool.name);
    if (!tool || needs.disclosed.length === 0) return finish({ code: 'OK' }, outcome.outcome, outcome.reason, extra);
    // The CRM releases restricted records only against this signed, short-lived approval.
    const approval = await options.approvals.issue({
      records: needs.disclosed.map((r) => r.id),
      tool: tool.name,
      executionId: request.execution_id,
      txid: extra.txid,
    });
    return finish(
      { code: 'OK', override: { inputs: { ...request.inputs, [APPROVAL_INPUT]: approval } } },
      outcome.outcome,
      outcome.reason,
      extra,
    );
  } catch (error) {
    options.events.emit('log', { level: 'error', message: `hook [ref ${ref}] unexpected error: ${errorMessage(error)}` });
    return finish(deny('The access check failed unexpectedly, so the request was refused.'), 'internal-error', 'internal error', {
      stepUp: false,
    });
  }
}

/** The first rule that asks for step-up, or undefined for an everyday call. */
function stepUpReason(request: PreHookRequest, options: HookOptions): StepUpReason | undefined {
  const { policy } = options;
  const verdict = inspectInputs(request.inputs, policy.sensitiveTerms);
  // Matched by name whatever the toolkit is called in Arcade: a false match costs a push, a miss would leak.
  const tool = findTool(request.tool.name);
  const disclosed = tool ? options.restrictedDisclosedBy(tool.name, request.inputs) : [];
  const describeInputs = () => summariseInputs(request.inputs);

  if (verdict.kind === 'match') return { rule: `term "${verdict.term}"`, shown: verdict.value, disclosed };
  if (verdict.kind === 'incomplete')
    return { rule: `inputs too complex to inspect (${verdict.why})`, shown: '(inputs too complex to show)', disclosed };
  if (disclosed.length) return { rule: 'restricted record', shown: describeInputs(), disclosed };
  if (tool && tool.scope === SCOPES.contactsWrite && policy.stepUpWrites)
    return { rule: 'writes need approval', shown: describeInputs(), disclosed };
  if (tool && policy.stepUpTools.some((name) => findTool(name) === tool))
    return { rule: 'tool needs approval', shown: describeInputs(), disclosed };
  return undefined;
}

function summariseInputs(inputs: Record<string, unknown>): string {
  const parts = Object.entries(inputs).map(([key, value]) => `${key}: ${typeof value === 'string' ? value : JSON.stringify(value)}`);
  return parts.length ? parts.join(', ') : '(no inputs)';
}

function refuse(request: PreHookRequest, options: HookOptions, outcome: DecisionOutcome, reason: string): Decided {
  const ref = randomBytes(3).toString('hex').toUpperCase();
  const tool = `${request.tool.toolkit}.${request.tool.name}`;
  options.events.emit('hook.decision', {
    ref,
    executionId: request.execution_id,
    tool,
    code: 'CHECK_FAILED',
    outcome,
    reason,
    stepUp: false,
    latencyMs: 0,
  });
  const result: PreHookResult = { code: 'CHECK_FAILED', error_message: `${reason} [ref ${ref}]` };
  return { result, note: noteOf(tool, result, reason, ref) };
}

/** The `<--` line of `serve`: the tool, the decision and why. */
function noteOf(tool: string, result: PreHookResult, reason: string, ref: string): RequestNote {
  const failed = result.code !== 'OK';
  return {
    subject: tool,
    outcome: `${result.code} · ${reason}${failed && !reason.endsWith('.') ? '.' : ''}${failed ? ` [ref ${ref}]` : ''}`,
    ok: !failed,
  };
}

function hookError(c: Context, error: unknown, events: StackEvents): Response {
  if (error instanceof HttpProblem) return c.json({ error: error.message, code: 'CHECK_FAILED' }, error.status);
  if (isCallerGone(error)) {
    events.emit('log', { level: 'warn', message: 'hook: the caller hung up before its request arrived in full' });
    return c.json({ error: 'The request body was cut off before it was complete.', code: 'CHECK_FAILED' }, 400);
  }
  events.emit('log', { level: 'error', message: `hook: unexpected error: ${errorMessage(error)}` });
  return c.json({ error: 'The hook hit an unexpected error.', code: 'CHECK_FAILED' }, 500);
}

/** Equal-length digests, so the comparison is constant-time whatever the presented token's length. */
function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}
