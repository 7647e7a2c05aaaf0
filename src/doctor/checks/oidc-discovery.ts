import { OidcError } from '../../duo/oidc-client.js';
import { errorMessage } from '../../errors.js';
import { discovery } from '../duo.js';
import { error, ok, skip, type Check } from '../types.js';

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
      return ok(
        endpoints.discovered
          ? `${issuer}/.well-known/openid-configuration answers and names this issuer`
          : `no discovery document (404): using the endpoints Duo derives from the issuer`,
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
