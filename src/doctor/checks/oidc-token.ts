import { introspectToken } from '../../duo/oidc-client.js';
import { errorMessage } from '../../errors.js';
import { TOOLS } from '../../tools.js';
import { discovery } from '../duo.js';
import { error, ok, skip, warn, type Check } from '../types.js';

export const oidcToken: Check = {
  id: 'duo-oidc-token',
  title: 'Access token (--token)',
  group: 'duo-oidc',
  needs: ['duo-oidc-client'],
  network: true,
  async run(ctx) {
    if (!ctx.token) return skip('skipped: pass --token <access token> to see which tools a token can run');
    const { clientId, clientSecret, introspectionUrl } = ctx.settings;
    const url = introspectionUrl ?? (await discovery(ctx)).introspection_endpoint;
    let result;
    try {
      result = await introspectToken({ introspectionUrl: url, clientId: clientId!, clientSecret: clientSecret!, token: ctx.token });
    } catch (cause) {
      return error(`introspection failed: ${errorMessage(cause)}`, 'Check the Duo client settings above.');
    }
    if (!result.active) {
      return error(
        'the token is not active: expired, revoked, or issued to another client',
        'Sign in again through Arcade (or the harness) and pass the new token; it must come from this DUO_CLIENT_ID.',
      );
    }
    const granted = new Set((result.scope ?? '').split(/\s+/).filter(Boolean));
    const runnable = TOOLS.filter((t) => granted.has(t.scope)).map((t) => t.name);
    const blocked = TOOLS.filter((t) => !granted.has(t.scope));
    const who = result.username ?? result.sub ?? 'unknown user';
    const lines = [`token of ${who} with scopes: ${[...granted].join(' ') || '(none)'}`, `can run: ${runnable.join(', ') || 'no tool'}`];
    if (blocked.length === 0) return ok(lines.join('\n'));
    const missing = [...new Set(blocked.map((t) => t.scope))];
    lines.push(`cannot run: ${blocked.map((t) => `${t.name} (needs ${t.scope})`).join(', ')}`);
    lines.push(`these tools answer 403 "Missing required scope: ${missing.join(', ')}": expected without the scope`);
    return warn(
      lines.join('\n'),
      `Grant ${missing.join(', ')} under Access Policy → Scope Authorization in the Duo OIDC application, then re-authorize in Arcade: a token keeps the scopes it was issued with.`,
    );
  },
};
