import { z } from 'zod';
import { ALL_SCOPES, TOOLS } from '../tools.js';

/**
 * A scenario is a declarative script for the demo: what the presenter says, what the agent calls, how the
 * virtual phone answers, and what must come back. Unknown keys are errors, so a typo never passes silently.
 */

export const PHONE_ANSWERS = ['approve', 'deny', 'timeout', 'fraud'] as const;
export type PhoneAnswer = (typeof PHONE_ANSWERS)[number];

const toolNames = TOOLS.map((tool) => tool.name) as [string, ...string[]];
const scopeNames = ALL_SCOPES as unknown as [string, ...string[]];

const Text = z.string().trim().min(1, 'must not be empty').max(2000);

const Expectation = z.strictObject({
  /** success: the tool ran; denied: the hook stopped it; error: the tool ran and failed (e.g. 403). */
  outcome: z.enum(['success', 'denied', 'error']),
  /** Whether a Duo Push must (true) or must not (false) have been sent. */
  push: z.boolean().optional(),
  /** HTTP status the CRM answered, for outcome "error". */
  status: z.number().int().min(100).max(599).optional(),
  /** Texts that must appear in the result the agent sees (case-insensitive). */
  contains: z.array(Text).optional(),
  /** Texts that must not appear in it. */
  excludes: z.array(Text).optional(),
});
export type Expectation = z.infer<typeof Expectation>;

const common = {
  title: Text,
  /** What the presenter says while this step runs. */
  narrate: Text,
};

const CallStep = z.strictObject({
  ...common,
  /** The user's request to the agent, shown as a chat line. */
  ask: Text.optional(),
  call: z.strictObject({
    tool: z.enum(toolNames, { error: () => `must be one of ${toolNames.join(', ')}` }),
    arguments: z.record(z.string(), z.unknown()).default({}),
  }),
  /** How the virtual phone answers a push during this step when nobody is at the keyboard. */
  phone: z.enum(PHONE_ANSWERS, { error: () => `must be one of ${PHONE_ANSWERS.join(', ')}` }).optional(),
  expect: Expectation,
});

const DuoStep = z.strictObject({
  ...common,
  /** An administrator's change in Duo: grant or revoke a scope for a user. */
  duo: z.strictObject({
    action: z.enum(['grant', 'revoke'], { error: () => 'must be grant or revoke' }),
    scope: z.enum(scopeNames, { error: () => `must be one of ${scopeNames.join(', ')}` }),
    user: Text.default('demouser'),
  }),
});

const LoginStep = z.strictObject({
  ...common,
  /** The user signs in again (authorization code + PKCE), so the new token carries the current grants. */
  login: z.strictObject({
    scopes: z.array(z.enum(scopeNames)).min(1).optional(),
    /** Scopes the new token must (true) or must not (false) carry. */
    expectScopes: z.record(z.string(), z.boolean()).optional(),
  }),
});

/** Dispatch on the step's kind first, so errors name the field that is wrong, not "no union member matched". */
const STEP_KINDS = { call: CallStep, duo: DuoStep, login: LoginStep } as const;
export const Step = z.unknown().transform((value, ctx): CallStep | DuoStep | LoginStep => {
  const kinds = typeof value === 'object' && value !== null ? Object.keys(STEP_KINDS).filter((kind) => kind in value) : [];
  if (kinds.length !== 1) {
    ctx.addIssue({
      code: 'custom',
      message: kinds.length === 0 ? 'each step needs one of "call", "duo" or "login"' : `a step has one action, not ${kinds.join(' and ')}`,
    });
    return z.NEVER;
  }
  const result = STEP_KINDS[kinds[0] as keyof typeof STEP_KINDS].safeParse(value);
  if (result.success) return result.data;
  for (const issue of result.error.issues) ctx.addIssue({ ...issue, code: 'custom', path: issue.path, message: issue.message });
  return z.NEVER;
});
export type Step = z.output<typeof Step>;
export type CallStep = z.infer<typeof CallStep>;
export type DuoStep = z.infer<typeof DuoStep>;
export type LoginStep = z.infer<typeof LoginStep>;

export const Scenario = z.strictObject({
  name: z.string().regex(/^[a-z][a-z0-9-]*$/, 'must be lower-case letters, digits and dashes'),
  title: Text,
  summary: Text,
  steps: z.array(Step).min(1, 'a scenario needs at least one step'),
});
export type Scenario = z.infer<typeof Scenario>;

export function isCallStep(step: Step): step is CallStep {
  return 'call' in step;
}
export function isDuoStep(step: Step): step is DuoStep {
  return 'duo' in step;
}
