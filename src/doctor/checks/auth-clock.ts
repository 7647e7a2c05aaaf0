import { error, ok, warn, type Check } from '../types.js';
import { measureOffset } from './auth-ping.js';

export const WARN_SKEW_SECONDS = 30;
/** Duo refuses signatures dated further than this from its clock. */
export const MAX_SKEW_SECONDS = 300;

export const authClock: Check = {
  id: 'duo-auth-clock',
  title: 'Clock against Duo',
  group: 'duo-auth',
  needs: ['duo-auth-ping'],
  network: true,
  async run(ctx) {
    const { offsetSeconds } = await measureOffset(ctx);
    const off = Math.abs(Math.round(offsetSeconds));
    const direction = offsetSeconds > 0 ? 'behind' : 'ahead of';
    const fix = 'Synchronise this machine\'s clock (e.g. `sudo timedatectl set-ntp true`, or enable "Set time automatically").';
    if (off > MAX_SKEW_SECONDS) {
      return error(`this clock is ${off} s ${direction} Duo's: Duo rejects every signed request (40103) beyond ${MAX_SKEW_SECONDS} s`, fix);
    }
    if (off > WARN_SKEW_SECONDS)
      return warn(`this clock is ${off} s ${direction} Duo's (signatures fail beyond ${MAX_SKEW_SECONDS} s)`, fix);
    return ok(off <= 1 ? 'in step with Duo (within 1 s)' : `${off} s ${direction} Duo's, well within ${MAX_SKEW_SECONDS} s`);
  },
};
