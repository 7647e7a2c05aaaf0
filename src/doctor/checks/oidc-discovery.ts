import { OidcError } from '../../duo/oidc-client.js';
import { errorMessage } from '../../errors.js';
import { discovery } from '../duo.js';
import { error, ok, skip, warn, type Check } from '../types.js';

export const oidcDiscovery: Check = {
  id: 'duo-oidc-discovery',
  title: 'Discovery',
  group: 'duo-oidc',
  network: true,
  async run(ctx) {
    const issuer = ctx.settings.issuer;
    if (!issuer) return skip('skipped: DUO_OIDC_ISSUER is not set');
    try {
      const endpoints = await discovery(ctx);
      if (endpoints.issuer.replace(/\/+$/, '') !== issuer) {
        return error(
          `the discovery document names the issuer ${endpoints.issuer}, not ${issuer}: tokens would not match`,
          `Set DUO_OIDC_ISSUER=${endpoints.issuer} (copy "Issuer" from the Duo application's page).`,
        );
      }
      if (endpoints.discovered) return ok(`${issuer}/.well-known/openid-configuration answers and names this issuer`);
      // No discovery document is not proof of a wrong issuer, but nothing at the authorize path as well is.
      const authorize = await ctx.memo(`authorize exists ${endpoints.authorization_endpoint}`, (signal) =>
        fetch(endpoints.authorization_endpoint, { redirect: 'manual', signal }).then(async (response) => {
          await response.body?.cancel();
          return response.status;
        }),
      );
      if (authorize === 404)
        return error(
          `nothing answers at ${issuer}: no discovery document, and ${endpoints.authorization_endpoint} is 404`,
          'DUO_OIDC_ISSUER does not point at a Duo OIDC application: copy "Issuer" from the application\'s page in the Duo Admin Panel.',
        );
      return warn(
        `no discovery document (404): using the endpoints Duo derives from the issuer (${endpoints.authorization_endpoint} answers)`,
        'Nothing to do if the rows below pass; otherwise check DUO_OIDC_ISSUER against "Issuer" on the Duo application\'s page.',
      );
    } catch (cause) {
      const unreachable = cause instanceof OidcError && cause.httpStatus === 0;
      return error(
        unreachable ? `cannot reach the issuer: ${errorMessage(cause)}` : `discovery failed: ${errorMessage(cause)}`,
        unreachable
          ? 'Check DUO_OIDC_ISSUER (copy "Issuer" from the Duo OIDC application) and the network path to it.'
          : 'DUO_OIDC_ISSUER does not point at a Duo OIDC application: copy "Issuer" from the application\'s page in the Duo Admin Panel.',
      );
    }
  },
};
