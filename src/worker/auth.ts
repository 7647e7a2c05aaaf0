import { errors, jwtVerify } from 'jose';

/** What Arcade's engine puts in every worker JWT (PROTOCOLS.md §4; arcade-serve `validate_engine_token`). */
export const WORKER_AUDIENCE = 'worker';
export const WORKER_TOKEN_VERSION = '1';
/** A little clock skew between Arcade's cloud and this laptop must not break every call. */
const CLOCK_TOLERANCE_S = 30;

export type WorkerAuthResult = { ok: true } | { ok: false; reason: string; wrongSecret: boolean };

/**
 * Checks the `Authorization: Bearer <JWT>` Arcade sends to the worker: HS256 signed with the shared
 * ARCADE_WORKER_SECRET, `aud: "worker"`, claim `ver: "1"`, not expired. Only HS256 is accepted, so neither
 * `alg: none` nor a public-key algorithm can slip through.
 */
export async function verifyWorkerToken(token: string | undefined, secret: string): Promise<WorkerAuthResult> {
  if (!token)
    return { ok: false, reason: 'Missing bearer token: Arcade signs every worker call with ARCADE_WORKER_SECRET.', wrongSecret: false };
  try {
    const { payload } = await jwtVerify(token, new TextEncoder().encode(secret), {
      algorithms: ['HS256'],
      audience: WORKER_AUDIENCE,
      clockTolerance: CLOCK_TOLERANCE_S,
    });
    if (payload.ver !== WORKER_TOKEN_VERSION) {
      return {
        ok: false,
        reason: `Unsupported worker token version ${JSON.stringify(payload.ver ?? null)} (expected "${WORKER_TOKEN_VERSION}").`,
        wrongSecret: false,
      };
    }
    return { ok: true };
  } catch (error) {
    return { ok: false, reason: describeFailure(error), wrongSecret: error instanceof errors.JWSSignatureVerificationFailed };
  }
}

function describeFailure(error: unknown): string {
  if (error instanceof errors.JWSSignatureVerificationFailed)
    return 'Invalid token signature: it was not signed with this ARCADE_WORKER_SECRET.';
  if (error instanceof errors.JWTExpired) return 'The token has expired.';
  if (error instanceof errors.JWTClaimValidationFailed)
    return `The token's "${error.claim}" claim is not valid for a worker (${error.reason}).`;
  if (error instanceof errors.JOSEAlgNotAllowed) return 'The token is not signed with HS256.';
  return 'The bearer token is not a valid worker JWT.';
}
