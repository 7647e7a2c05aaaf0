import { DuoApiError } from '../../duo/auth-api-client.js';
import { errorMessage } from '../../errors.js';
import { authClient } from '../duo.js';
import { error, ok, skip, type Check, type CheckResult } from '../types.js';

const KEYS_FROM = 'Copy "Integration key", "Secret key" and "API hostname" from the same Auth API application in the Duo Admin Panel';

/** Duo's credential errors in words (PROTOCOLS.md §1): 40102 ikey/host, 40103 skey, 40301 application type. */
export function explainCredentialError(cause: DuoApiError, clockBroken: boolean): CheckResult {
  const code = cause.code;
  if (code === 40102) {
    return error(
      'Duo does not know this integration key on this host (40102): DUO_AUTH_IKEY or DUO_AUTH_HOST is wrong',
      `${KEYS_FROM} into DUO_AUTH_IKEY and DUO_AUTH_HOST.`,
    );
  }
  if (code === 40103) {
    return clockBroken
      ? error(
          "Duo rejects the signature (40103), and this clock is too far from Duo's: that alone breaks every signature",
          'Fix the clock first (see "Clock against Duo"), then run doctor again.',
        )
      : error(
          'Duo rejects the signature (40103): DUO_AUTH_SKEY does not belong to DUO_AUTH_IKEY',
          `${KEYS_FROM}; the secret key is shown once, reset it if lost.`,
        );
  }
  if (code === 40301 || cause.httpStatus === 403) {
    return error(
      `Duo refuses these keys here (403${code ? ` ${code}` : ''}): they belong to another type of application (Admin API, Web SDK …)`,
      'Protect an "Auth API" application in the Duo Admin Panel and use its keys.',
    );
  }
  if (code === 40101) return error('Duo saw no credentials (40101)', `${KEYS_FROM}.`);
  return error(`/auth/v2/check failed: ${errorMessage(cause)}`, 'Check DUO_AUTH_HOST and the network, then run doctor again.');
}

export const authCheck: Check = {
  id: 'duo-auth-check',
  title: 'Auth API keys',
  group: 'duo-auth',
  needs: ['duo-auth-ping'],
  after: ['duo-auth-clock'],
  network: true,
  async run(ctx) {
    const { authIkey, authSkey } = ctx.settings;
    if (!authIkey || !authSkey)
      return skip(`skipped: ${!authIkey ? 'DUO_AUTH_IKEY' : 'DUO_AUTH_SKEY'} is not set, so no signed call is possible`);
    try {
      await authClient(ctx).check({ signal: ctx.signal });
      return ok(`DUO_AUTH_IKEY ${authIkey}, its secret key and the host are accepted (/auth/v2/check)`);
    } catch (cause) {
      if (!(cause instanceof DuoApiError)) throw cause;
      return explainCredentialError(cause, ctx.result('duo-auth-clock')?.status === 'error');
    }
  },
};
