import { DEFAULT_ARCADE_REDIRECT_URI, arcadeRedirectUri, discovery, probeAuthorize } from '../duo.js';
import { error, ok, warn, type Check } from '../types.js';

export const oidcPkce: Check = {
  id: 'duo-oidc-pkce',
  title: 'PKCE (S256)',
  group: 'duo-oidc',
  needs: ['duo-oidc-discovery'],
  network: true,
  async run(ctx) {
    const endpoints = await discovery(ctx);
    const methods = endpoints.code_challenge_methods_supported;
    if (methods && !methods.includes('S256')) {
      return error(
        `Duo advertises code challenge methods ${methods.join(', ')} but not S256`,
        'Use a Duo "OAuth 2.1 / OIDC – Single Sign-On" application: it supports PKCE S256, which Arcade sends.',
      );
    }
    const advertised = methods ? 'S256 advertised' : 'S256 not advertised (discovery lists no methods)';
    if (!ctx.settings.clientId) return ok(advertised);
    // Without a challenge, a Duo OAuth 2.1 app refuses ("Must specify both 'code_challenge' …"). If it hands out a
    // code instead, PKCE is not enforced on Duo's side: Arcade's provider must then be the one to insist on it.
    const redirectUri = ctx.settings.arcadeApiKey ? await arcadeRedirectUri(ctx) : DEFAULT_ARCADE_REDIRECT_URI;
    const outcome = await probeAuthorize(ctx, { pkce: false, redirectUri });
    if (outcome.kind === 'code') {
      return warn(
        `${advertised}, but /authorize accepted a request without a PKCE challenge`,
        'Require PKCE on the Duo application, and keep PKCE (S256) enabled on the Arcade provider.',
      );
    }
    const refused = outcome.kind === 'error' && /code_challenge/i.test(`${outcome.error} ${outcome.description}`);
    return ok(refused ? `${advertised}; a request without a challenge is refused` : advertised);
  },
};
