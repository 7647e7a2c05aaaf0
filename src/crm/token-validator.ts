import { discover, introspectToken } from '../duo/oidc-client.js';
import { errorMessage } from '../errors.js';

export interface TokenGrant {
  scopes: ReadonlySet<string>;
  subject?: string;
  username?: string;
}

/** The token was looked at and is not acceptable (unknown, expired, revoked). */
export class InvalidTokenError extends Error {}
/** We could not ask Duo: the CRM fails closed with 503, never open. */
export class IntrospectionUnavailableError extends Error {}

export interface TokenValidator {
  /** Returns the grant, or throws InvalidTokenError / IntrospectionUnavailableError. */
  validate(token: string): Promise<TokenGrant>;
  readonly description: string;
}

/** RFC 7662 introspection at Duo, with HTTP Basic client credentials. */
export class IntrospectionValidator implements TokenValidator {
  readonly description: string;
  private endpoint?: Promise<string>;

  constructor(private readonly options: { issuer?: string; introspectionUrl?: string; clientId: string; clientSecret: string }) {
    this.description = `Duo token introspection (${options.introspectionUrl ?? `${options.issuer}`})`;
  }

  async validate(token: string): Promise<TokenGrant> {
    const introspectionUrl = await this.resolveEndpoint();
    let result: Awaited<ReturnType<typeof introspectToken>>;
    try {
      result = await introspectToken({ introspectionUrl, clientId: this.options.clientId, clientSecret: this.options.clientSecret, token });
    } catch (error) {
      throw new IntrospectionUnavailableError(`Token introspection failed: ${errorMessage(error)}`);
    }
    if (!result.active) throw new InvalidTokenError('The access token is not active (unknown, expired or revoked).');
    if (typeof result.exp === 'number' && result.exp * 1000 < Date.now()) throw new InvalidTokenError('The access token has expired.');
    return {
      scopes: new Set((result.scope ?? '').split(' ').filter(Boolean)),
      subject: result.sub,
      username: result.username,
    };
  }

  /** Discovery happens on first use, so the server starts even while Duo is unreachable. */
  private resolveEndpoint(): Promise<string> {
    if (this.options.introspectionUrl) return Promise.resolve(this.options.introspectionUrl);
    const issuer = this.options.issuer;
    if (!issuer) return Promise.reject(new IntrospectionUnavailableError('No DUO_OIDC_ISSUER or DUO_INTROSPECTION_URL is configured.'));
    this.endpoint ??= discover(issuer)
      .then((endpoints) => endpoints.introspection_endpoint)
      .catch((error: unknown) => {
        this.endpoint = undefined;
        throw new IntrospectionUnavailableError(`Duo discovery failed: ${errorMessage(error)}`);
      });
    return this.endpoint;
  }
}

/** DEV_ALLOW_INSECURE=true: any bearer is accepted with DEV_SCOPES. Kept for the original demo's users. */
export class InsecureDevValidator implements TokenValidator {
  readonly description = 'NONE (DEV_ALLOW_INSECURE=true)';
  constructor(private readonly scopes: readonly string[]) {}
  async validate(): Promise<TokenGrant> {
    return { scopes: new Set(this.scopes), subject: 'dev-user', username: 'dev-user' };
  }
}
