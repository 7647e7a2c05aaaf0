import { setTimeout as delay } from 'node:timers/promises';
import { DuoApiError, type DuoAuthClient } from '../duo/auth-api-client.js';
import { errorMessage } from '../errors.js';
import type { DecisionOutcome } from '../events.js';

export interface StepUpRequest {
  executionId: string;
  /** Duo username that must approve. */
  username: string;
  /** Push title. */
  title: string;
  /** Shown on the phone as key/value pairs (Duo's pushinfo). */
  pushinfo: Record<string, string>;
}

export type StepUpOutcome =
  | { approved: true; outcome: 'approved' | 'bypass' | 'dev-mode'; reason: string; txid?: string }
  | {
      approved: false;
      outcome: Exclude<DecisionOutcome, 'approved' | 'bypass' | 'not-sensitive'>;
      /** For the agent (and the human behind it): what happened and what to do. */
      reason: string;
      /** For the operator's log only: the technical cause. */
      operatorDetail?: string;
      txid?: string;
    };

export interface StepUp {
  readonly description: string;
  /** Must settle before `deadline` fires; never throws. */
  request(request: StepUpRequest, deadline: AbortSignal, onPushed?: (txid: string) => void): Promise<StepUpOutcome>;
}

/** STEPUP_DEV_MODE: answer without Duo. For development only; the banner says so loudly. */
export class DevModeStepUp implements StepUp {
  readonly description: string;
  constructor(private readonly answer: 'allow' | 'deny') {
    this.description = `NONE (STEPUP_DEV_MODE=${answer})`;
  }
  async request(): Promise<StepUpOutcome> {
    return this.answer === 'allow'
      ? { approved: true, outcome: 'dev-mode', reason: 'approved by STEPUP_DEV_MODE=allow (no push sent)' }
      : { approved: false, outcome: 'dev-mode', reason: 'Step-up was refused by STEPUP_DEV_MODE=deny (no push sent).' };
  }
}

/**
 * Duo Push through the Auth API: preauth, an asynchronous push, then auth_status polls until the user answers
 * or our deadline passes. Async, because a push lives ~60 s and Arcade's hook waits at most 30 s.
 */
export class DuoPushStepUp implements StepUp {
  readonly description: string;

  constructor(
    private readonly client: DuoAuthClient,
    label: string,
    private readonly retryBaseMs = 1000,
  ) {
    this.description = `Duo Push via ${label}`;
  }

  async request(request: StepUpRequest, deadline: AbortSignal, onPushed?: (txid: string) => void): Promise<StepUpOutcome> {
    const timedOut = (txid?: string): StepUpOutcome =>
      txid
        ? {
            approved: false,
            outcome: 'timeout',
            reason: 'Duo approval timed out: nobody approved the push in time. Ask the user to approve it on their phone and try again.',
            txid,
          }
        : {
            approved: false,
            outcome: 'duo-error',
            reason: 'Duo approval timed out: Duo did not answer in time, so no push was sent and the request was refused.',
            operatorDetail: 'Duo Auth API did not answer before the hook deadline',
          };
    // Every Duo call carries the deadline, so nothing is left waiting once we have answered.
    const within = { signal: deadline };
    let txid: string | undefined;
    try {
      const preauth = await withRateLimitRetry(
        () => this.client.preauth({ username: request.username }, within),
        deadline,
        this.retryBaseMs,
      );
      const refused = checkPreauth(preauth, request.username);
      if (refused) return refused;

      const started = await withRateLimitRetry(
        () =>
          this.client.auth(
            {
              username: request.username,
              factor: 'push',
              device: 'auto',
              async: true,
              type: request.title,
              displayUsername: request.username,
              pushinfo: request.pushinfo,
            },
            within,
          ),
        deadline,
        this.retryBaseMs,
      );
      txid = started.txid;
      onPushed?.(txid);

      // auth_status long-polls: each call returns when the state changes (or the server's own wait ends).
      while (!deadline.aborted) {
        const current = txid;
        const status = await withRateLimitRetry(() => this.client.authStatus(current, within), deadline, this.retryBaseMs);
        if (status.result !== 'waiting') return { ...mapResult(status), txid };
        // A server that answers "waiting" at once must not be hammered.
        await delay(250, undefined, within).catch(() => undefined);
      }
      return timedOut(txid);
    } catch (error) {
      // Backing off from a 429 can use up the deadline: the rate limit, not the clock, is then the reason.
      const rateLimited = error instanceof DuoApiError && error.httpStatus === 429;
      if (deadline.aborted && !rateLimited) return timedOut(txid);
      return { approved: false, txid, ...describeDuoFailure(error) };
    }
  }
}

interface PreauthLike {
  result: string;
  status_msg?: string;
  devices?: Array<{ capabilities?: string[] }>;
}

function checkPreauth(preauth: PreauthLike, username: string): StepUpOutcome | undefined {
  switch (preauth.result) {
    case 'auth': {
      const canPush = (preauth.devices ?? []).some((device) => device.capabilities?.includes('push'));
      if (canPush) return undefined;
      return {
        approved: false,
        outcome: 'no-push-device',
        reason: `Duo user "${username}" has no device that can receive a push. Activate Duo Mobile for that user, then try again.`,
        operatorDetail: 'preauth returned auth without a push-capable device',
      };
    }
    case 'allow':
      // Duo policy says this user bypasses 2FA: that is Duo's decision to make.
      return { approved: true, outcome: 'bypass', reason: 'allowed by Duo policy (bypass, no push sent)' };
    case 'deny':
      return {
        approved: false,
        outcome: 'policy-denied',
        reason: `Duo policy denies access for "${username}"${preauth.status_msg ? `: ${preauth.status_msg}` : ''}.`,
        operatorDetail: 'preauth returned deny',
      };
    case 'enroll':
      return {
        approved: false,
        outcome: 'not-enrolled',
        reason: `Duo user "${username}" is not enrolled (unknown user or no device). Check DUO_STEPUP_USERNAME is the Duo username and that the user has activated Duo Mobile.`,
        operatorDetail: 'preauth returned enroll',
      };
    default:
      return {
        approved: false,
        outcome: 'duo-error',
        reason: 'Duo returned an unexpected answer, so the request was refused.',
        operatorDetail: `preauth result "${preauth.result}"`,
      };
  }
}

function mapResult(result: { result: string; status?: string; status_msg?: string }): StepUpOutcome {
  if (result.result === 'allow') {
    return result.status === 'bypass'
      ? { approved: true, outcome: 'bypass', reason: 'allowed by Duo policy (bypass)' }
      : { approved: true, outcome: 'approved', reason: 'approved on the phone' };
  }
  switch (result.status) {
    case 'deny':
      return { approved: false, outcome: 'denied', reason: 'Duo approval was denied on the phone.' };
    case 'fraud':
      return { approved: false, outcome: 'fraud', reason: 'The push was reported as fraud on the phone. Contact your security team.' };
    case 'timeout':
      return { approved: false, outcome: 'timeout', reason: 'Duo push timed out: no answer on the phone.' };
    case 'locked_out':
      return { approved: false, outcome: 'locked-out', reason: 'The Duo account is locked out. Contact your Duo administrator.' };
    default:
      return {
        approved: false,
        outcome: 'duo-error',
        reason: 'Duo did not approve the request.',
        operatorDetail: `auth result ${result.result}/${result.status ?? '?'}: ${result.status_msg ?? ''}`,
      };
  }
}

function describeDuoFailure(error: unknown): { outcome: 'duo-error' | 'no-push-device'; reason: string; operatorDetail: string } {
  const unavailable = 'Duo could not be asked for approval right now, so the request was refused.';
  if (error instanceof DuoApiError) {
    const detail = `Duo Auth API ${error.httpStatus || 'network'}${error.code ? ` ${error.code}` : ''}: ${error.message}`;
    if (error.code === 40102 || error.code === 40103 || error.code === 40101 || error.code === 40301) {
      return {
        outcome: 'duo-error',
        reason: 'Step-up is misconfigured (Duo rejected our credentials), so the request was refused. Run `duo-arcade doctor`.',
        operatorDetail: detail,
      };
    }
    if (error.code === 40002) {
      return {
        outcome: 'no-push-device',
        reason: 'The Duo user has no device that can receive a push. Activate Duo Mobile, then try again.',
        operatorDetail: detail,
      };
    }
    if (error.httpStatus === 429)
      return { outcome: 'duo-error', reason: `${unavailable} Duo is rate limiting requests.`, operatorDetail: detail };
    return { outcome: 'duo-error', reason: unavailable, operatorDetail: detail };
  }
  return { outcome: 'duo-error', reason: unavailable, operatorDetail: errorMessage(error) };
}

/** Duo's clients wait 1, 2, 4 … 32 s plus up to 1 s of jitter on 429; we do the same, but only while the deadline allows. */
export async function withRateLimitRetry<T>(call: () => Promise<T>, deadline: AbortSignal, baseDelayMs = 1000): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (!(error instanceof DuoApiError) || error.httpStatus !== 429 || attempt >= 5 || deadline.aborted) throw error;
      const wait = Math.min(baseDelayMs * 2 ** attempt, 32 * baseDelayMs) + Math.random() * baseDelayMs;
      // Giving up now is better than being cut off by the deadline mid-wait: the caller answers with a reason.
      try {
        await delay(wait, undefined, { signal: deadline });
      } catch {
        throw error;
      }
    }
  }
}
