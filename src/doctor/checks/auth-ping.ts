import { errorMessage } from '../../errors.js';
import { authClient } from '../duo.js';
import { error, ok, skip, type Check, type DoctorContext } from '../types.js';

/** Duo's time minus ours, in seconds, measured at the middle of the round trip. */
export function measureOffset(ctx: DoctorContext): Promise<{ offsetSeconds: number }> {
  return ctx.memo('duo ping', async (signal) => {
    const before = Date.now();
    const { time } = await authClient(ctx).ping({ signal });
    const after = Date.now();
    return { offsetSeconds: time - (before + after) / 2000 };
  });
}

export const authPing: Check = {
  id: 'duo-auth-ping',
  title: 'Auth API reachable',
  group: 'duo-auth',
  network: true,
  async run(ctx) {
    const url = ctx.settings.authApiUrl;
    if (!url) return skip('skipped: DUO_AUTH_HOST is not set (or not a Duo API hostname)');
    try {
      await measureOffset(ctx);
      return ok(`${url}/auth/v2/ping answers`);
    } catch (cause) {
      return error(
        `${url} does not answer /auth/v2/ping: ${errorMessage(cause)}`,
        'Check DUO_AUTH_HOST: copy "API hostname" from the Auth API application in the Duo Admin Panel (api-XXXXXXXX.duosecurity.com).',
      );
    }
  },
};
