/** The emulator's Duo Auth API v2: /ping, /check, /preauth, /auth, /auth_status. PROTOCOLS.md §1. */
import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { DuoDevice } from '../duo/auth-api-client.js';
import type { DuoParams } from '../duo/signing.js';
import { generateHex } from './credentials.js';
import type { Directory, DirectoryUser } from './directory.js';
import type { AuthApiFault, FaultSwitches } from './faults.js';
import { DUO_ERRORS, duoFail, duoOk } from './envelope.js';
import { AUTH_ACCESS_DISABLED_MSG } from './misconfig.js';
import { checkSignedRequest, type SignatureCheckConfig } from './signature-check.js';
import type { PushTransactions } from './transactions.js';

export interface AuthApiConfig extends SignatureCheckConfig {
  directory: Directory;
  faults: FaultSwitches;
  transactions: PushTransactions;
  maxBodyBytes: number;
  /** Base URL of this server, known only once it listens. */
  baseUrl: () => string;
  /** Misconfiguration: the Auth API application has user access disabled (see misconfig.ts). */
  accessDisabled?: boolean;
}

const MAX_PUSHINFO_BYTES = 20_000;

// [inferred] Duo answers auth for a locked-out user with a deny whose status is locked_out.
const LOCKED_OUT = {
  result: 'deny',
  status: 'locked_out',
  status_msg: 'Your account has been locked out due to excessive authentication failures.',
} as const;

async function answerWithFault(c: Context, fault: AuthApiFault): Promise<Response> {
  switch (fault) {
    case 'rate-limit':
      return duoFail(c, { status: 429, code: 42901, message: 'Too Many Requests' });
    case 'server-error':
      return duoFail(c, { status: 503, code: 50301, message: 'Service Unavailable' });
    case 'bad-json':
      return c.body('<html><body>Bad Gateway</body></html>', 200, { 'content-type': 'text/html' });
    case 'wrong-app-type':
      return duoFail(c, { status: 403, code: 40301, message: 'Access forbidden' });
    case 'hang':
      // Never answers: the caller's own deadline must end the wait (the emulator's close() drops the socket).
      return new Promise<Response>(() => undefined);
  }
}

type Handler = (c: Context, params: DuoParams) => Promise<Response> | Response;

interface Endpoint {
  method: 'GET' | 'POST';
  signed: boolean;
  handle: Handler;
}

function one(params: DuoParams, name: string): string | undefined {
  const v = params[name];
  return Array.isArray(v) ? v[0] : v;
}

function hasPush(device: DuoDevice): boolean {
  return device.capabilities.includes('push');
}

export function createAuthApi(cfg: AuthApiConfig): Hono {
  const { directory, transactions } = cfg;
  const nowSeconds = () => Math.floor(cfg.now() / 1000);

  const findUser = (params: DuoParams): { user?: DirectoryUser; missing?: true; name: string } => {
    const username = one(params, 'username');
    const userId = one(params, 'user_id');
    if (username) return { user: directory.getUser(username), name: username };
    if (userId) return { user: directory.findByUserId(userId), name: userId };
    return { missing: true, name: '' };
  };

  const endpoints: Record<string, Endpoint> = {
    ping: { method: 'GET', signed: false, handle: (c) => duoOk(c, { time: nowSeconds() }) },
    check: { method: 'GET', signed: true, handle: (c) => duoOk(c, { time: nowSeconds() }) },

    preauth: {
      method: 'POST',
      signed: true,
      handle: (c, params) => {
        const { user, missing } = findUser(params);
        if (missing) return duoFail(c, DUO_ERRORS.missingParam('username'));
        if (cfg.accessDisabled) return duoOk(c, { result: 'deny', status_msg: AUTH_ACCESS_DISABLED_MSG });
        if (user?.status === 'bypass') return duoOk(c, { result: 'allow', status_msg: 'Allowing unknown user' });
        if (user?.status === 'disabled') return duoOk(c, { result: 'deny', status_msg: 'Your account is disabled.' });
        if (!user || user.devices.length === 0) {
          return duoOk(c, {
            result: 'enroll',
            status_msg: 'Enroll an authentication device to proceed',
            enroll_portal_url: `${cfg.baseUrl()}/portal?code=${generateHex(16)}`,
          });
        }
        return duoOk(c, {
          result: 'auth',
          status_msg: 'Account is active',
          devices: user.devices.map((d) => ({ ...d, capabilities: [...d.capabilities] })),
        });
      },
    },

    auth: {
      method: 'POST',
      signed: true,
      handle: async (c, params) => {
        const { user, missing } = findUser(params);
        if (missing) return duoFail(c, DUO_ERRORS.missingParam('username'));
        const factor = one(params, 'factor');
        if (!factor) return duoFail(c, DUO_ERRORS.missingParam('factor'));
        if (factor !== 'push' && factor !== 'auto') return duoFail(c, DUO_ERRORS.invalidParams('factor'));
        const deviceParam = one(params, 'device');
        if (!deviceParam) return duoFail(c, DUO_ERRORS.missingParam('device'));
        if (!user) return duoFail(c, DUO_ERRORS.invalidParams('username'));
        if (cfg.accessDisabled) {
          const tx = transactions.startSettled(user.username, { result: 'deny', status: 'deny', status_msg: AUTH_ACCESS_DISABLED_MSG });
          if (one(params, 'async') === '1' || one(params, 'async') === 'true') return duoOk(c, { txid: tx.txid });
          return duoOk(c, { ...tx.state });
        }

        let device: DuoDevice | undefined;
        if (deviceParam === 'auto') {
          device = user.devices.find(hasPush);
        } else {
          device = user.devices.find((d) => d.device === deviceParam);
          if (!device) return duoFail(c, DUO_ERRORS.invalidParams('device'));
          if (!hasPush(device)) device = undefined;
        }
        if (!device) return duoFail(c, DUO_ERRORS.invalidParams('no capable device'));

        const rawPushinfo = one(params, 'pushinfo') ?? '';
        if (Buffer.byteLength(rawPushinfo, 'utf8') > MAX_PUSHINFO_BYTES) {
          return duoFail(c, DUO_ERRORS.invalidParams('pushinfo'));
        }
        // The param value is itself form-encoded: decode it a second time into pairs.
        const pushinfo = Object.fromEntries(new URLSearchParams(rawPushinfo));
        const type = one(params, 'type');
        const displayUsername = one(params, 'display_username');

        if (user.status === 'locked_out') {
          const tx = transactions.startSettled(user.username, LOCKED_OUT);
          if (one(params, 'async') === '1' || one(params, 'async') === 'true') return duoOk(c, { txid: tx.txid });
          return duoOk(c, { ...tx.state });
        }
        const tx = transactions.start({
          username: user.username,
          device: device.device,
          pushinfo,
          ...(type !== undefined ? { type } : {}),
          ...(displayUsername !== undefined ? { displayUsername } : {}),
        });
        const async = one(params, 'async');
        if (async === '1' || async === 'true') return duoOk(c, { txid: tx.txid });

        await transactions.waitTerminal(tx);
        tx.reportedVersion = tx.version;
        return duoOk(c, { ...tx.state });
      },
    },

    auth_status: {
      method: 'GET',
      signed: true,
      handle: async (c, params) => {
        const txid = one(params, 'txid');
        if (!txid) return duoFail(c, DUO_ERRORS.missingParam('txid'));
        const tx = transactions.get(txid);
        if (!tx) return duoFail(c, DUO_ERRORS.notFound());
        // Long-poll: answer a state the caller has not seen yet at once, otherwise wait for the next change.
        if (!tx.terminal && tx.reportedVersion === tx.version) await transactions.waitForChange(tx);
        tx.reportedVersion = tx.version;
        return duoOk(c, { ...tx.state, auth_delayed: false });
      },
    },
  };

  const app = new Hono();
  app.use('*', bodyLimit({ maxSize: cfg.maxBodyBytes, onError: (c) => duoFail(c, DUO_ERRORS.tooLarge()) }));
  app.all('/:endpoint', async (c) => {
    const endpoint = Object.hasOwn(endpoints, c.req.param('endpoint')) ? endpoints[c.req.param('endpoint')] : undefined;
    if (!endpoint) return duoFail(c, DUO_ERRORS.notFound());
    const method = c.req.method.toUpperCase();
    if (method !== endpoint.method && !(method === 'HEAD' && endpoint.method === 'GET')) {
      c.header('Allow', endpoint.method);
      return duoFail(c, DUO_ERRORS.methodNotAllowed());
    }
    const fault = cfg.faults.take(c.req.param('endpoint'));
    if (fault) return answerWithFault(c, fault);
    if (!endpoint.signed) return endpoint.handle(c, {});
    const checked = await checkSignedRequest(c, cfg);
    if (!checked.ok) return duoFail(c, checked.failure);
    return endpoint.handle(c, checked.params);
  });
  app.all('*', (c) => duoFail(c, DUO_ERRORS.notFound()));
  return app;
}
