import { error, ok, warn, type Check } from '../types.js';

/** Problems other checks report on their own rows. */
const OWN_ROWS = [/^HOOK_BEARER_TOKEN/, /^HOOK_TIMEOUT_MS/];

export const configRequired: Check = {
  id: 'config-required',
  title: 'Required settings',
  group: 'config',
  async run({ settings }) {
    const problems = settings.configProblems.filter((p) => !OWN_ROWS.some((re) => re.test(p)));
    const where = settings.envFile ? ` (read ${settings.envFile} and the environment)` : '';
    if (problems.length > 0) {
      return error(
        `${settings.mode} mode (${settings.modeReason}), but:\n${problems.map((p) => `• ${p}`).join('\n')}`,
        `Set the values above in .env or the environment${settings.mode === 'live' ? ', or check the offline stack with `duo-arcade doctor --local`' : ''} (see the configuration table in the README).`,
      );
    }
    const partial = ['DUO_OIDC_ISSUER', 'DUO_AUTH_HOST'].filter((name) => settings.env[name]?.trim());
    if (settings.mode === 'local' && partial.length === 1) {
      return warn(
        `local mode (${settings.modeReason}): \`serve\` will run on the embedded emulator, not your Duo tenant`,
        `Set ${partial[0] === 'DUO_OIDC_ISSUER' ? 'DUO_AUTH_HOST' : 'DUO_OIDC_ISSUER'} too for live mode, or run \`duo-arcade doctor --live\` to see everything live mode still needs.`,
      );
    }
    return ok(
      settings.mode === 'live'
        ? `live mode (${settings.modeReason}): every required Duo setting is present and well-formed${where}`
        : `local mode: the embedded Duo emulator stands in, no account needed${where}`,
    );
  },
};
