import { randomBytes } from 'node:crypto';
import { SignJWT, jwtVerify } from 'jose';

/**
 * Short-lived, signed proof that Duo approved one tool call's disclosure of restricted records. The hook
 * issues it (inside `override.inputs`), the tool hands it to the CRM, and the CRM verifies it: so no path
 * reaches a restricted record without an approval, even one that skips the hook.
 */
export const APPROVAL_INPUT = 'duo_approval';
export const APPROVAL_HEADER = 'x-duo-approval';
const ISSUER = 'duo-arcade-hook';
const AUDIENCE = 'duo-arcade-crm';
const LIFETIME_SECONDS = 120;

export interface ApprovalClaims {
  /** Ids of the restricted records this approval discloses. */
  records: string[];
  tool: string;
  executionId: string;
  txid?: string;
}

export class ApprovalSigner {
  /** One key per process: the hook and the CRM that trust each other live in the same process. */
  private readonly key = randomBytes(32);

  issue(claims: ApprovalClaims): Promise<string> {
    return new SignJWT({ rec: claims.records, tool: claims.tool, ...(claims.txid ? { txid: claims.txid } : {}) })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setJti(claims.executionId)
      .setIssuedAt()
      .setExpirationTime(`${LIFETIME_SECONDS}s`)
      .sign(this.key);
  }

  /** Approvals already used, until they expire: one approval, one tool call. */
  private readonly spent = new Map<string, number>();

  /**
   * The approved record ids, or undefined when the approval is forged, expired, malformed, issued for another
   * tool, or already used.
   */
  async redeem(token: string, tool: string): Promise<ReadonlySet<string> | undefined> {
    let payload: Awaited<ReturnType<typeof jwtVerify>>['payload'];
    try {
      ({ payload } = await jwtVerify(token, this.key, { issuer: ISSUER, audience: AUDIENCE, algorithms: ['HS256'] }));
    } catch {
      return undefined;
    }
    const records = payload.rec;
    if (payload.tool !== tool || typeof payload.jti !== 'string' || typeof payload.exp !== 'number') return undefined;
    if (!Array.isArray(records) || !records.every((r) => typeof r === 'string')) return undefined;
    const now = Date.now() / 1000;
    for (const [id, exp] of this.spent) if (exp < now) this.spent.delete(id);
    const key = `${payload.jti}:${payload.iat ?? ''}`;
    if (this.spent.has(key)) return undefined;
    this.spent.set(key, payload.exp);
    return new Set(records);
  }
}
