import { DuoApiError } from '../../duo/auth-api-client.js';
import { errorMessage } from '../../errors.js';
import { authClient } from '../duo.js';
import { error, ok, warn, type Check } from '../types.js';

const ACCESS_FIX =
  'In the Duo Admin Panel open the Auth API application and, under "User access", enable it for all users (or the push user\'s group); then save.';

export const authPreauth: Check = {
  id: 'duo-auth-preauth',
  title: 'Push user',
  group: 'duo-auth',
  needs: ['duo-auth-check'],
  network: true,
  async run(ctx) {
    const username = ctx.settings.stepupUsername;
    let answer;
    try {
      answer = await authClient(ctx).preauth({ username }, { signal: ctx.signal });
    } catch (cause) {
      // [inferred] Duo's answer for an Auth API app with user access disabled was not seen: accept a 403 as well as a deny.
      if (cause instanceof DuoApiError && cause.httpStatus === 403) {
        return error(
          `Duo refuses "${username}" here (403${cause.code ? ` ${cause.code}` : ''}): application user access disabled`,
          ACCESS_FIX,
        );
      }
      return error(`preauth for "${username}" failed: ${errorMessage(cause)}`, 'Check the Auth API settings above.');
    }
    const emailHint = username.includes('@')
      ? ` "${username}" looks like an email: DUO_STEPUP_USERNAME must be the Duo username (Users → the user → Username).`
      : ' Is DUO_STEPUP_USERNAME the Duo username (not the email)?';
    switch (answer.result) {
      case 'enroll':
        return error(
          `Duo does not know "${username}", or the user has no device (preauth: enroll): pushes never arrive`,
          `${emailHint.trim()} If it is, enroll the user's phone (Users → the user → Add Device, or send an enrollment link) and activate Duo Mobile.`,
        );
      case 'deny':
        return error(
          `Duo denies "${username}": "${answer.status_msg}" — application user access disabled, or the user is disabled or denied by policy`,
          `${ACCESS_FIX} Also check the user's status (Active) and the application's policy.`,
        );
      case 'allow':
        return warn(
          `"${username}" is in bypass: Duo allows without any push, so step-up proves nothing`,
          'Set the user\'s status to "Require two-factor authentication" (Active) in the Duo Admin Panel.',
        );
      case 'auth': {
        const devices = answer.devices ?? [];
        const push = devices.find((d) => d.capabilities.includes('push'));
        if (!push) {
          return error(
            `"${username}" has ${devices.length} device(s) but none can receive a push (no activated Duo Mobile): step-up fails with "no capable device"`,
            "Install Duo Mobile on the presenter's phone and activate it for this user (Users → the user → Phones → Activate Duo Mobile).",
          );
        }
        return ok(`"${username}" can receive pushes on ${push.display_name ?? push.name ?? push.device}`);
      }
      default:
        return warn(`preauth answered "${String(answer.result)}"`, 'Check the user in the Duo Admin Panel.');
    }
  },
};
