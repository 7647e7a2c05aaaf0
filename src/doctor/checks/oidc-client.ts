import { introspectToken, OidcError } from '../../duo/oidc-client.js';
import { errorMessage } from '../../errors.js';
import { discovery } from '../duo.js';
import { error, ok, skip, warn, type Check } from '../types.js';

export const oidcClient: Check = {
  id: 'duo-oidc-client',
  title: 'Client credentials',
  group: 'duo-oidc',
  needs: ['duo-oidc-discovery'],
  network: true,
  async run(ctx) {
    const { clientId, clientSecret, introspectionUrl } = ctx.settings;
    if (!clientId || !clientSecret) return skip(`skipped: ${!clientId ? 'DUO_CLIENT_ID' : 'DUO_CLIENT_SECRET'} is not set`);
    const url = introspectionUrl ?? (await discovery(ctx)).introspection_endpoint;
    try {
      const result = await introspectToken({ introspectionUrl: url, clientId, clientSecret, token: 'duo-arcade-doctor-probe' });
      if (result.active)
        return warn(
          'a made-up token was reported active',
          introspectionUrl
            ? "Check DUO_INTROSPECTION_URL: it should be Duo's token_introspection endpoint."
            : "Check DUO_OIDC_ISSUER: the endpoint it leads to is not Duo's token_introspection.",
        );
      return ok(`DUO_CLIENT_ID ${clientId} and its secret are accepted (a dummy token introspects as inactive)`);
    } catch (cause) {
      if (cause instanceof OidcError && (cause.httpStatus === 401 || cause.error === 'invalid_client')) {
        return error(
          `Duo rejected the client credentials (HTTP ${cause.httpStatus}${cause.error ? ` ${cause.error}` : ''}): every token check would fail`,
          'Copy "Client ID" and "Client secret" from the same Duo OIDC application into DUO_CLIENT_ID and DUO_CLIENT_SECRET (the secret is shown once: reset it if lost).',
        );
      }
      return error(
        `introspection at ${url} failed: ${errorMessage(cause)}`,
        introspectionUrl
          ? 'Check DUO_INTROSPECTION_URL (or unset it to use the discovered endpoint).'
          : 'Check DUO_OIDC_ISSUER: the introspection endpoint comes from it (copy "Issuer" from the Duo application\'s page).',
      );
    }
  },
};
