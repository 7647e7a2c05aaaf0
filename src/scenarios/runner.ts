import type { Agent, ToolOutcome } from '../agent.js';
import { DEMO_DEVICE, type PushRequest } from '../emulator/index.js';
import type { HookDecisionEvent } from '../events.js';
import { errorMessage } from '../errors.js';
import type { Stack } from '../stack.js';
import type { Narrator } from '../ui/narrator.js';
import { isCallStep, isDuoStep, type CallStep, type Expectation, type PhoneAnswer, type Scenario, type Step } from './schema.js';

/** Who answered a push: the presenter at the keyboard, the scenario's script, or --approve/--deny. */
export type AnsweredBy = 'you' | 'script' | 'flag';

/** Answers a push on the virtual phone: a human at the keyboard, or the scenario's scripted answer. */
export type PhoneDriver = (
  push: PushRequest,
  scripted: PhoneAnswer,
  signal: AbortSignal,
) => Promise<{ answer: PhoneAnswer; by: AnsweredBy }>;

export interface ScenarioContext {
  stack: Stack;
  agent: Agent;
  narrator: Narrator;
  phone: PhoneDriver;
  /** Signs the demo user in again and hands the new token to the agent; returns the token's scopes. */
  signIn(): Promise<string[]>;
  /** Waits for the presenter between steps (Enter); resolves at once when not interactive. */
  pause(): Promise<void>;
  /** Aborted when the presenter interrupts: the remaining steps are skipped. */
  signal?: AbortSignal;
}

export interface StepResult {
  title: string;
  passed: boolean;
  failures: string[];
  durationMs: number;
}

export interface ScenarioResult {
  name: string;
  passed: boolean;
  steps: StepResult[];
}

/** Plays a scenario step by step, checking every expectation. A failed step fails the scenario but the rest still play. */
export async function runScenario(scenario: Scenario, ctx: ScenarioContext): Promise<ScenarioResult> {
  const steps: StepResult[] = [];
  for (const [index, step] of scenario.steps.entries()) {
    if (index > 0) await ctx.pause();
    if (ctx.signal?.aborted) break;
    ctx.narrator.stepStart(step, index);
    const started = performance.now();
    let failures: string[];
    try {
      failures = await runStep(step, ctx);
    } catch (error) {
      failures = [`the step could not run: ${errorMessage(error)}`];
    }
    for (const failure of failures) ctx.narrator.check(false, failure);
    steps.push({ title: step.title, passed: failures.length === 0, failures, durationMs: Math.round(performance.now() - started) });
    ctx.narrator.line();
  }
  return { name: scenario.name, passed: steps.every((s) => s.passed), steps };
}

async function runStep(step: Step, ctx: ScenarioContext): Promise<string[]> {
  if (isCallStep(step)) return runCallStep(step, ctx);
  if (isDuoStep(step)) {
    const { action, scope, user } = step.duo;
    const directory = ctx.stack.emulator?.directory;
    if (!directory) return ['changing Duo grants needs the embedded emulator (local mode)'];
    if (action === 'grant') directory.grant(user, scope);
    else directory.revoke(user, scope);
    ctx.narrator.duoChange(action, scope, user);
    return [];
  }
  const scopes = await ctx.signIn();
  const failures: string[] = [];
  for (const [scope, wanted] of Object.entries(step.login.expectScopes ?? {})) {
    const has = scopes.includes(scope);
    if (has !== wanted)
      failures.push(`expected the new token ${wanted ? 'to carry' : 'not to carry'} ${scope}, but it ${has ? 'does' : 'does not'}`);
    else ctx.narrator.check(true, `token ${wanted ? 'carries' : 'lacks'} ${scope}`);
  }
  return failures;
}

async function runCallStep(step: CallStep, ctx: ScenarioContext): Promise<string[]> {
  const { events, emulator } = ctx.stack;
  const scripted = step.phone ?? 'approve';
  let pushes = 0;
  let answered: PhoneAnswer | undefined;
  let calledAt = performance.now();
  const stepDone = new AbortController();

  const onDecision = (event: HookDecisionEvent) => ctx.narrator.hookDecision(event);
  const onPush = () => {
    pushes += 1;
  };
  events.on('hook.decision', onDecision);
  events.on('stepup.push', onPush);
  emulator?.phone.setPolicy(async (push) => {
    ctx.narrator.pushSent(push.username, push.pushinfo.rule);
    ctx.narrator.phone({ title: push.type, username: push.username, device: DEMO_DEVICE.name, pushinfo: push.pushinfo });
    const { answer, by } = await ctx.phone(push, scripted, AbortSignal.any([stepDone.signal, ...(ctx.signal ? [ctx.signal] : [])]));
    answered = answer;
    if (ctx.signal?.aborted) return answer;
    ctx.narrator.phoneAnswer(answer, by);
    if (answer === 'timeout')
      ctx.narrator.countDown(
        (left) => `nobody answers: the hook gives up in ${left} s (its budget, HOOK_TIMEOUT_MS) and stops the agent…`,
        calledAt + ctx.stack.approvalWaitMs,
      );
    return answer;
  });

  try {
    if (step.ask) ctx.narrator.ask(step.ask);
    ctx.narrator.toolCall(step.call.tool, step.call.arguments);
    ctx.narrator.startWaiting('waiting for the pre-execution hook…');
    calledAt = performance.now();
    const outcome = await untilAborted(ctx.agent.call(step.call.tool, step.call.arguments), ctx.signal);
    if (!outcome) return [];
    ctx.narrator.result(outcome);
    const { expect, note } = expectationFor(step.expect, scripted, answered);
    if (note) ctx.narrator.note(note);
    return checkExpectation(expect, outcome, pushes, ctx.narrator);
  } finally {
    stepDone.abort();
    ctx.narrator.stopWaiting();
    events.off('hook.decision', onDecision);
    events.off('stepup.push', onPush);
    emulator?.phone.setPolicy('approve');
  }
}

/** Resolves with the value, or with undefined as soon as `signal` aborts (the presenter pressed Ctrl+C). */
function untilAborted<T>(promise: Promise<T>, signal?: AbortSignal): Promise<T | undefined> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.resolve(undefined);
  return new Promise((resolve, reject) => {
    const onAbort = () => resolve(undefined);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/**
 * The scenario's expectation holds for its scripted answer. When the push was answered otherwise (the presenter
 * went off script, or --approve/--deny), the check follows the answer: approved means the tool ran; anything
 * else means the agent was stopped and revealed nothing the approved path would have shown.
 */
export function expectationFor(
  expect: Expectation,
  scripted: PhoneAnswer,
  answered: PhoneAnswer | undefined,
): { expect: Expectation; note?: string } {
  if (answered === undefined || answered === scripted) return { expect };
  const words: Record<PhoneAnswer, string> = { approve: 'approved', deny: 'denied', timeout: 'ignored', fraud: 'reported as fraud' };
  const note = `the push was ${words[answered]} instead of ${words[scripted]}, so the check follows what actually happened`;
  if (answered === 'approve') return { expect: { outcome: 'success', push: true }, note };
  const hidden = scripted === 'approve' ? (expect.contains ?? []) : [];
  return { expect: { outcome: 'denied', push: true, excludes: [...(expect.excludes ?? []), ...hidden] }, note };
}

export function checkExpectation(expect: Expectation, outcome: ToolOutcome, pushes: number, narrator?: Narrator): string[] {
  const failures: string[] = [];
  const pass = (text: string) => narrator?.check(true, text);
  if (outcome.kind === expect.outcome) pass(`outcome: ${expect.outcome}`);
  else failures.push(`expected outcome "${expect.outcome}" but got "${outcome.kind}": ${clip(outcome.text)}`);
  if (expect.push !== undefined) {
    const pushed = pushes > 0;
    if (pushed === expect.push) pass(expect.push ? 'a Duo Push was sent' : 'no Duo Push was needed');
    else failures.push(expect.push ? 'expected a Duo Push, but none was sent' : `expected no Duo Push, but ${pushes} was sent`);
  }
  if (expect.status !== undefined) {
    if (outcome.status === expect.status) pass(`HTTP ${expect.status}`);
    else failures.push(`expected HTTP ${expect.status} but got ${outcome.status ?? 'none'}`);
  }
  const haystack = outcome.text.toLowerCase();
  for (const text of expect.contains ?? []) {
    if (haystack.includes(text.toLowerCase())) pass(`result mentions “${text}”`);
    else failures.push(`expected the result to mention “${text}”, but it does not: ${clip(outcome.text)}`);
  }
  for (const text of expect.excludes ?? []) {
    if (!haystack.includes(text.toLowerCase())) pass(`the agent's result does not reveal “${text}”`);
    else failures.push(`expected the result not to mention “${text}”, but it does`);
  }
  return failures;
}

function clip(text: string): string {
  const flat = text.replace(/\s+/g, ' ');
  return flat.length > 160 ? `${flat.slice(0, 159)}…` : flat;
}
