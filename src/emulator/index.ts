/**
 * An embedded, protocol-faithful Duo: the Auth API (signed requests, push via a virtual phone) and an
 * OAuth 2.1/OIDC app, on one loopback port. Lets duo-arcade run offline and lets tests use real HTTP.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { createAuthApi } from './auth-api.js';
import { generateDuoId, generateSecret } from './credentials.js';
import { DEMO_DEVICE, Directory } from './directory.js';
import { DEFAULT_CLIENT_SCOPES, createOidcApp } from './oidc.js';
import { FaultSwitches } from './faults.js';
import { CLOCK_SKEW_MS, type EmulatorMisconfig } from './misconfig.js';
import { VirtualPhone } from './phone.js';
import { PushTransactions } from './transactions.js';

export { CRM_SCOPES, DEMO_DEVICE, Directory, type DirectoryUser, type NewUser, type UserStatus } from './directory.js';
export { FaultSwitches, type AuthApiFault } from './faults.js';
export { VirtualPhone, type PushAnswer, type PushRecord, type PushRequest, type PushResponder } from './phone.js';
export { DEFAULT_CLIENT_SCOPES } from './oidc.js';
export {
  AUTH_ACCESS_DISABLED_MSG,
  EMULATOR_MISCONFIGS,
  MISCONFIG_DESCRIPTIONS,
  isEmulatorMisconfig,
  type EmulatorMisconfig,
} from './misconfig.js';

export interface EmulatorOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0 (an ephemeral port). */
  port?: number;
  ikey?: string;
  skey?: string;
  clientId?: string;
  clientSecret?: string;
  /** The OIDC app id in the issuer path. Default: the client id. */
  appId?: string;
  /** Allowed difference between the signed Date and our clock. Default 300 (Duo's mock uses 300 s). */
  clockSkewSeconds?: number;
  /** How long a push waits for an answer before it times out. Default 60000. */
  pushLifetimeMs?: number;
  /** Upper bound of one auth_status long-poll. Default 30000. */
  maxPollMs?: number;
  /** Clock in ms since the epoch (signature dates, ping time, token times). Default Date.now. */
  now?: () => number;
  /** The OIDC client's configured scopes. Default openid profile email + the three crm.* scopes. */
  clientScopes?: string[];
  /** Redirect URIs accepted besides loopback http ones. */
  redirectUris?: string[];
  /** User signed in by /authorize when no login_hint is given. Default demouser. */
  defaultLoginUser?: string;
  /** Limit for every request body. Default 64 KiB. */
  maxBodyBytes?: number;
  /** Start from this directory instead of the seeded one. */
  directory?: Directory;
  /** Tenant misconfigurations to reproduce (doctor's tests, `duo-arcade emulator --fault`). None by default. */
  misconfig?: Iterable<EmulatorMisconfig>;
}

export interface EmulatorCredentials {
  ikey: string;
  skey: string;
  clientId: string;
  clientSecret: string;
}

export interface DuoEmulator {
  /** http://127.0.0.1:PORT */
  authApiUrl: string;
  /** http://127.0.0.1:PORT/oauth2/<appId> */
  issuer: string;
  credentials: EmulatorCredentials;
  phone: VirtualPhone;
  directory: Directory;
  /** Failures to produce on the next Auth API calls (rate limiting, server errors, …). */
  faults: FaultSwitches;
  /** Stops listening, ends pending long-polls and pushes, and drops every connection. */
  close(): Promise<void>;
}

export async function startDuoEmulator(opts: EmulatorOptions = {}): Promise<DuoEmulator> {
  const host = opts.host ?? '127.0.0.1';
  const misconfig: ReadonlySet<EmulatorMisconfig> = new Set(opts.misconfig ?? []);
  const baseNow = opts.now ?? Date.now;
  const now = misconfig.has('clock-skew') ? () => baseNow() + CLOCK_SKEW_MS : baseNow;
  const maxBodyBytes = opts.maxBodyBytes ?? 64 * 1024;
  const credentials: EmulatorCredentials = {
    ikey: opts.ikey ?? generateDuoId(),
    skey: opts.skey ?? generateSecret(),
    clientId: opts.clientId ?? generateDuoId(),
    clientSecret: opts.clientSecret ?? generateSecret(),
  };
  const appId = opts.appId ?? credentials.clientId;
  const phone = new VirtualPhone();
  const faults = new FaultSwitches();
  const directory = opts.directory ?? new Directory();
  const demo = directory.getUser('demouser');
  if (demo && misconfig.has('not-enrolled')) demo.devices = [];
  else if (demo && misconfig.has('no-push-device')) {
    demo.devices = [{ ...DEMO_DEVICE, name: 'Desk phone', capabilities: ['sms', 'phone'] }];
  }
  const pushLifetimeMs = opts.pushLifetimeMs ?? 60_000;
  const transactions = new PushTransactions(phone, {
    pushLifetimeMs,
    maxPollMs: Math.min(opts.maxPollMs ?? 30_000, pushLifetimeMs + 1_000),
    now,
  });

  // The port is known only after listen(); handlers read these lazily.
  const urls = { authApiUrl: '', issuer: '' };

  const app = new Hono();
  app.route(
    '/auth/v2',
    createAuthApi({
      ikey: credentials.ikey,
      skey: credentials.skey,
      clockSkewSeconds: opts.clockSkewSeconds ?? 300,
      now,
      directory,
      faults,
      transactions,
      maxBodyBytes,
      baseUrl: () => urls.authApiUrl,
      accessDisabled: misconfig.has('auth-access-disabled'),
    }),
  );
  app.route(
    `/oauth2/${encodeURIComponent(appId)}`,
    createOidcApp({
      clientId: credentials.clientId,
      clientSecret: credentials.clientSecret,
      clientScopes: misconfig.has('scopes-not-configured')
        ? (opts.clientScopes ?? DEFAULT_CLIENT_SCOPES).filter((s) => !s.startsWith('crm.'))
        : (opts.clientScopes ?? DEFAULT_CLIENT_SCOPES),
      accessDisabled: misconfig.has('oidc-access-disabled'),
      pkceOptional: misconfig.has('pkce-not-enforced'),
      redirectUris: opts.redirectUris ?? [],
      defaultLoginUser: opts.defaultLoginUser ?? 'demouser',
      directory,
      issuer: () => urls.issuer,
      now,
      maxBodyBytes,
      tokenLifetimeSeconds: 3600,
      codeLifetimeSeconds: 60,
    }),
  );
  app.notFound((c) => c.json({ stat: 'FAIL', code: 40401, message: 'Resource not found' }, 404));
  app.onError((_err, c) => c.json({ stat: 'FAIL', code: 50001, message: 'Internal server error' }, 500));

  const server = await new Promise<Server>((resolve, reject) => {
    const s = serve({ fetch: app.fetch, hostname: host, port: opts.port ?? 0 }) as Server;
    s.once('error', reject);
    s.once('listening', () => {
      s.off('error', reject);
      resolve(s);
    });
  });

  const { port } = server.address() as AddressInfo;
  const hostForUrl = host.includes(':') ? `[${host}]` : host;
  urls.authApiUrl = `http://${hostForUrl}:${port}`;
  urls.issuer = `${urls.authApiUrl}/oauth2/${encodeURIComponent(appId)}`;

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= new Promise<void>((resolve) => {
      transactions.dispose();
      server.close(() => resolve());
      server.closeAllConnections();
    });
    return closing;
  };

  return {
    authApiUrl: urls.authApiUrl,
    issuer: urls.issuer,
    credentials,
    phone,
    directory,
    faults,
    close,
  };
}
