import { isLoopback } from '../../config.js';
import { error, ok, skip, warn, type Check } from '../types.js';

const DUO_ISSUER = /^https:\/\/sso-[a-z0-9-]+\.sso\.duo(security|federal)\.com\/(oauth2|oidc)\/[A-Za-z0-9]+$/;
const DUO_API_HOST = /^api-[a-z0-9]+\.duo(security|federal)\.com$/;

export const configDuoUrls: Check = {
  id: 'config-duo-urls',
  title: 'Duo issuer and API hostname',
  group: 'config',
  modes: ['live'],
  async run({ settings }) {
    const issuer = settings.issuer;
    const host = settings.env.DUO_AUTH_HOST?.trim();
    if (!issuer && !host) return skip('skipped: neither DUO_OIDC_ISSUER nor DUO_AUTH_HOST is set');
    const notes: string[] = [];
    const problems: string[] = [];
    if (issuer) {
      const loopback = /^http:\/\//.test(issuer) && isLoopback(new URL(issuer).hostname);
      if (loopback) notes.push(`issuer ${issuer} is a local emulator`);
      else if (!DUO_ISSUER.test(issuer)) problems.push(`DUO_OIDC_ISSUER "${issuer}" does not look like a Duo issuer`);
      else notes.push(`issuer ${issuer}`);
    }
    if (host) {
      if (!settings.authApiUrl) problems.push(`DUO_AUTH_HOST "${host}" is neither a hostname nor a loopback URL`);
      else {
        const hostname = new URL(settings.authApiUrl).hostname;
        if (isLoopback(hostname)) notes.push(`Auth API ${settings.authApiUrl} is a local emulator`);
        else if (!DUO_API_HOST.test(hostname)) problems.push(`DUO_AUTH_HOST "${host}" is not an api-XXXXXXXX.duosecurity.com hostname`);
        else notes.push(`Auth API host ${hostname}`);
      }
    }
    if (problems.length > 0) {
      const fatal = problems.some((p) => p.startsWith('DUO_AUTH_HOST'));
      const fix =
        'Copy them from the Duo Admin Panel: the OIDC application\'s "Issuer" (https://sso-….sso.duosecurity.com/oauth2/DI…) and the Auth API application\'s "API hostname" (api-XXXXXXXX.duosecurity.com).';
      return fatal ? error(problems.join('; '), fix) : warn(problems.join('; '), fix);
    }
    return ok(notes.join('; '));
  },
};
