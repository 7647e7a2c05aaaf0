import { CRM_SCOPES } from '../../emulator/directory.js';
import { arcadeRedirectUri, probeAuthorize, type AuthorizeOutcome } from '../duo.js';
import { error, ok, skip, warn, type Check, type CheckResult } from '../types.js';

const SCOPES_FIX = `In the Duo Admin Panel open the OIDC application, add ${CRM_SCOPES.join(', ')} to "Confidential client scopes", save, and grant them to the users under Access Policy → Scope Authorization.`;
const ACCESS_FIX =
  'In the Duo Admin Panel open the OIDC application and, under "User access", enable it for all users (or the groups of the people who sign in); then save.';

/**
 * Reads an authorize answer the way a person would: by OAuth error code first, then by Duo's words. An HTML page is
 * judged by specific phrases only: a sign-in page mentions "access" too.
 */
export function judgeAuthorize(outcome: AuthorizeOutcome, redirectUri: string): CheckResult {
  if (outcome.kind === 'code') return ok(`Duo accepts the CRM scopes (${CRM_SCOPES.join(', ')}) with a PKCE challenge`);
  if (outcome.kind === 'login')
    return ok(`Duo accepts the request and shows its sign-in page (scopes ${CRM_SCOPES.join(', ')}, PKCE S256)`);
  const code = outcome.kind === 'error' ? outcome.error : undefined;
  const words = outcome.kind === 'error' ? outcome.description : outcome.text;
  const said =
    outcome.kind === 'error' ? `${outcome.error}${outcome.description ? `: "${outcome.description}"` : ''}` : `HTTP ${outcome.status}`;
  if (code === 'invalid_scope' || /no scopes?\b.*\bconfigured|configured for the specified relying party/i.test(words)) {
    return error(`scopes not configured for the client: Duo answered ${said}`, SCOPES_FIX);
  }
  if (/scope/i.test(words) && /not (authori[sz]ed|granted)/i.test(words)) {
    return error(
      `the signing-in user is not granted the CRM scopes: Duo answered ${said}`,
      'Grant the crm.* scopes to the users or groups under Access Policy → Scope Authorization in the Duo OIDC application.',
    );
  }
  if (code === 'invalid_client' || /unknown client|invalid client/i.test(words)) {
    return error(`Duo does not know DUO_CLIENT_ID: ${said}`, 'Copy "Client ID" from the Duo OIDC application into DUO_CLIENT_ID.');
  }
  if ((code !== undefined || outcome.status >= 400) && /redirect[ _-]?ur[il]/i.test(words)) {
    return error(
      `Duo does not accept Arcade's redirect URI ${redirectUri}: ${said}`,
      `Add ${redirectUri} to "Sign-In Redirect URLs" of the Duo OIDC application.`,
    );
  }
  if (
    outcome.status === 403 ||
    code === 'access_denied' ||
    /does not have access|user access .*disabled|access (is )?denied/i.test(words)
  ) {
    return error(`app user access disabled: sign-in is refused (${said})`, ACCESS_FIX);
  }
  if (outcome.kind === 'page' && outcome.status < 400) return ok('Duo shows its sign-in page for the CRM scopes with PKCE');
  return warn(`unexpected answer from /authorize: ${said}`, "Open the Arcade sign-in link in a browser and read Duo's message.");
}

export const oidcAuthorize: Check = {
  id: 'duo-oidc-authorize',
  title: 'Sign-in with the CRM scopes',
  group: 'duo-oidc',
  needs: ['duo-oidc-discovery'],
  network: true,
  async run(ctx) {
    if (!ctx.settings.clientId) return skip('skipped: DUO_CLIENT_ID is not set');
    const redirectUri = await arcadeRedirectUri(ctx);
    return judgeAuthorize(await probeAuthorize(ctx, { pkce: true, redirectUri }), redirectUri);
  },
};
