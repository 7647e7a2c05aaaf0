import { OidcError } from '../../duo/oidc-client.js';
import { arcadeProvider, describeStatus } from '../arcade.js';
import { discovery } from '../duo.js';
import { dig, record, text } from '../http.js';
import { error, ok, type Check } from '../types.js';

function endpointOf(provider: unknown, name: 'authorize' | 'token' | 'refresh'): string | undefined {
  return text(dig(provider, `oauth2.${name}_request.endpoint`)) ?? text(dig(provider, `oauth2.${name}_endpoint`));
}

export const arcadeProviderCheck: Check = {
  id: 'arcade-provider',
  title: 'Duo OAuth provider',
  group: 'arcade',
  modes: ['live'],
  needs: ['arcade-key'],
  network: true,
  async run(ctx) {
    const id = ctx.settings.providerId;
    const answer = await arcadeProvider(ctx);
    if (answer.status === 404) {
      return error(
        `Arcade has no auth provider "${id}"`,
        `Add it in the Arcade dashboard (Auth → Providers → OAuth 2.0) with id ${id}, the Duo client id and secret, PKCE S256, and the endpoints of ${ctx.settings.issuer ?? 'the Duo issuer'}; or set ARCADE_PROVIDER_ID to its id.`,
      );
    }
    if (answer.status !== 200)
      return error(`GET /v1/admin/auth_providers/${id} answered ${describeStatus(answer)}`, "Check the API key's project and permissions.");
    const provider = record(answer.body);
    const redirectUri = text(provider.redirect_uri) ?? text(dig(provider, 'oauth2.redirect_uri'));
    const problems: string[] = [];
    const fixes: string[] = [];
    const pkceOn = dig(provider, 'oauth2.pkce.enabled') === true;
    const method = text(dig(provider, 'oauth2.pkce.code_challenge_method'));
    if (!pkceOn || method !== 'S256') {
      problems.push(
        !pkceOn
          ? "PKCE is off: Duo answers \"Must specify both 'code_challenge' and 'code_challenge_method'\""
          : method
            ? `PKCE uses ${method}, not S256: Duo accepts only S256`
            : 'PKCE is on but no code challenge method is stored: Duo accepts only S256',
      );
      fixes.push('Enable PKCE with code challenge method S256 on the provider (Arcade dashboard → Auth → the provider → Advanced).');
    }
    if (dig(provider, 'oauth2.client_secret.exists') === false) {
      problems.push('no client secret is stored');
      fixes.push('Paste the Duo client secret into the provider.');
    }
    if (ctx.settings.issuer) {
      const endpoints = await discovery(ctx).catch((e: unknown) => (e instanceof OidcError ? undefined : Promise.reject(e)));
      const expected = endpoints
        ? { authorize: endpoints.authorization_endpoint, token: endpoints.token_endpoint, refresh: endpoints.token_endpoint }
        : { authorize: `${ctx.settings.issuer}/authorize`, token: `${ctx.settings.issuer}/token`, refresh: `${ctx.settings.issuer}/token` };
      for (const name of ['authorize', 'token', 'refresh'] as const) {
        const actual = endpointOf(provider, name);
        if (actual === undefined && name === 'refresh') continue;
        if (actual !== expected[name]) {
          problems.push(`its ${name} endpoint is ${actual ?? 'not set'}, not ${expected[name]}`);
          fixes.push(`Set the ${name} endpoint to ${expected[name]}.`);
        }
      }
    }
    const redirect = redirectUri
      ? `redirect URI ${redirectUri} (paste it into "Sign-In Redirect URLs" of the Duo OIDC application)`
      : 'no redirect URI reported';
    if (problems.length > 0) return error(`provider "${id}": ${problems.join('; ')}\n${redirect}`, fixes.join(' '));
    return ok(`provider "${id}": PKCE S256, endpoints match the Duo issuer, client secret stored\n${redirect}`);
  },
};
