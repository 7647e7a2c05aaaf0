import { randomUUID } from 'node:crypto';
import { TOOLKIT, type CrmTool } from '../tools.js';
import { PreHookResultSchema } from '../hook/contract.js';
import { errorMessage } from '../errors.js';
import { DEFAULT_ARCADE_PROVIDER_ID } from '../config.js';

export type GateDecision = { allowed: true; inputs: Record<string, unknown> } | { allowed: false; message: string };

export interface CallerIdentity {
  userId?: string;
  scopes: readonly string[];
  userInfo?: Record<string, unknown>;
}

/** Arcade's prefix for a denial, so the agent sees exactly what it would see behind Arcade. */
export const ARCADE_DENIAL_PREFIX = 'Tool execution was denied by an extension policy: ';

/**
 * Stands in for Arcade's Contextual Access in local mode: before a tool runs, it calls the real
 * `/hooks/pre` over HTTP with the request Arcade would send, and fails closed exactly as an extension
 * configured with `failure_mode: fail_closed` does. Only `{"code":"OK"}` lets the tool run.
 */
export class ArcadeStandIn {
  constructor(private readonly options: { hookUrl: string; bearerToken: string; timeoutMs: number; providerId?: string }) {}

  async check(tool: CrmTool, inputs: Record<string, unknown>, caller: CallerIdentity): Promise<GateDecision> {
    const body = {
      execution_id: `te_${randomUUID()}`,
      tool: { name: tool.arcadeName, toolkit: TOOLKIT.name, version: TOOLKIT.version },
      inputs,
      context: {
        ...(caller.userId ? { user_id: caller.userId } : {}),
        authorization: [
          {
            provider_id: this.options.providerId ?? DEFAULT_ARCADE_PROVIDER_ID,
            oauth2: { scopes: [...caller.scopes], ...(caller.userInfo ? { user_info: caller.userInfo } : {}) },
          },
        ],
      },
    };
    let response: Response;
    try {
      response = await fetch(this.options.hookUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${this.options.bearerToken}` },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
    } catch (error) {
      const timedOut = (error as Error).name === 'TimeoutError';
      return deny(
        timedOut
          ? `the pre-execution hook did not answer within ${this.options.timeoutMs} ms`
          : `the pre-execution hook could not be reached (${errorMessage(error)})`,
      );
    }
    const text = await response.text().catch(() => '');
    if (response.status !== 200) return deny(`the pre-execution hook failed (HTTP ${response.status})`);
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      return deny('the pre-execution hook returned a malformed response');
    }
    const result = PreHookResultSchema.safeParse(json);
    if (!result.success) return deny('the pre-execution hook returned a malformed response');
    if (result.data.code === 'OK') return { allowed: true, inputs: { ...inputs, ...(result.data.override?.inputs ?? {}) } };
    if (result.data.code === 'RATE_LIMIT_EXCEEDED') return deny(result.data.error_message ?? 'rate limit exceeded');
    return deny(result.data.error_message ?? 'access check failed');
  }
}

function deny(reason: string): GateDecision {
  return { allowed: false, message: `${ARCADE_DENIAL_PREFIX}${reason}` };
}
