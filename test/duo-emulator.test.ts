import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DuoApiError, DuoAuthClient, encodePushinfo } from '../src/duo/auth-api-client.js';
import { rfc2822Date, signRequest } from '../src/duo/signing.js';
import { startDuoEmulator, type DuoEmulator, type PushRequest } from '../src/emulator/index.js';
import { startLocalStack } from './support/stack.js';

let emu: DuoEmulator;

function client(overrides: Partial<ConstructorParameters<typeof DuoAuthClient>[0]> = {}): DuoAuthClient {
  return new DuoAuthClient({
    baseUrl: emu.authApiUrl,
    ikey: emu.credentials.ikey,
    skey: emu.credentials.skey,
    ...overrides,
  });
}

async function expectDuoError(promise: Promise<unknown>, httpStatus: number, code?: number): Promise<DuoApiError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DuoApiError);
  const duoError = error as DuoApiError;
  expect(duoError.httpStatus).toBe(httpStatus);
  if (code !== undefined) expect(duoError.code).toBe(code);
  return duoError;
}

/** Polls auth_status (a long-poll on the server side) until the transaction settles. */
async function pollUntilSettled(c: DuoAuthClient, txid: string) {
  const seen: string[] = [];
  for (let i = 0; i < 20; i++) {
    const status = await c.authStatus(txid);
    seen.push(status.status);
    if (status.result !== 'waiting') return { status, seen };
  }
  throw new Error(`transaction did not settle: ${seen.join(', ')}`);
}

beforeAll(async () => {
  emu = await startDuoEmulator({ pushLifetimeMs: 200 });
});

afterAll(async () => {
  await emu.close();
});

beforeEach(() => {
  emu.phone.setPolicy('approve');
  emu.phone.clearHistory();
});

describe('emulator startup', () => {
  it('listens on a loopback ephemeral port with realistic generated credentials', () => {
    expect(emu.authApiUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(emu.issuer).toBe(`${emu.authApiUrl}/oauth2/${emu.credentials.clientId}`);
    expect(emu.credentials.ikey).toMatch(/^DI[A-Z0-9]{18}$/);
    expect(emu.credentials.skey).toMatch(/^[A-Za-z0-9]{40}$/);
    expect(emu.credentials.clientId).toMatch(/^DI[A-Z0-9]{18}$/);
    expect(emu.credentials.clientSecret).toMatch(/^[A-Za-z0-9]{40}$/);
  });
});

describe('request signing', () => {
  it('answers an unsigned ping with the server time', async () => {
    const { time } = await client({ skey: 'wrong' }).ping();
    expect(Math.abs(time - Date.now() / 1000)).toBeLessThan(120);
  });

  it('accepts v2 HMAC-SHA512 signed requests from DuoAuthClient', async () => {
    const { time } = await client().check();
    expect(typeof time).toBe('number');
  });

  it('accepts v5 signatures (JSON POST bodies and GET)', async () => {
    const v5 = client({ signatureVersion: 5 });
    await expect(v5.check()).resolves.toHaveProperty('time');
    await expect(v5.preauth({ username: 'demouser' })).resolves.toMatchObject({ result: 'auth' });
  });

  it('accepts legacy v2 HMAC-SHA1 signatures', async () => {
    const url = new URL('/auth/v2/preauth', emu.authApiUrl);
    const date = rfc2822Date(new Date());
    const params = { username: 'demouser' };
    const { authorization, signature } = signRequest({
      version: 2,
      digest: 'sha1',
      ikey: emu.credentials.ikey,
      skey: emu.credentials.skey,
      method: 'POST',
      host: url.host,
      path: url.pathname,
      params,
      date,
    });
    expect(signature).toHaveLength(40);
    const res = await fetch(url, {
      method: 'POST',
      headers: { Authorization: authorization, Date: date, 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(params).toString(),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ stat: 'OK', response: { result: 'auth' } });
  });

  it('accepts the date in X-Duo-Date', async () => {
    const url = new URL('/auth/v2/check', emu.authApiUrl);
    const date = rfc2822Date(new Date());
    const { authorization } = signRequest({
      version: 2,
      ikey: emu.credentials.ikey,
      skey: emu.credentials.skey,
      method: 'GET',
      host: url.host,
      path: url.pathname,
      params: {},
      date,
    });
    const res = await fetch(url, { headers: { Authorization: authorization, 'X-Duo-Date': date } });
    expect(res.status).toBe(200);
  });

  it('rejects a wrong skey with 401 40103', async () => {
    const error = await expectDuoError(client({ skey: 'x'.repeat(40) }).check(), 401, 40103);
    expect(error.duoMessage).toBe('Invalid signature in request credentials');
    expect(error.message).not.toContain('x'.repeat(40));
    expect(error.message).not.toContain('Basic');
  });

  it('rejects an unknown ikey with 401 40102', async () => {
    const error = await expectDuoError(client({ ikey: 'DIXXXXXXXXXXXXXXXXXX' }).preauth({ username: 'demouser' }), 401, 40102);
    expect(error.duoMessage).toBe('Invalid integration key in request credentials');
  });

  it('rejects a date outside the clock-skew window', async () => {
    const skewed = client({ clock: () => new Date(Date.now() - 10 * 60_000) });
    await expectDuoError(skewed.check(), 401, 40103);
    const slightlyOff = client({ clock: () => new Date(Date.now() - 60_000) });
    await expect(slightlyOff.check()).resolves.toHaveProperty('time');
  });

  it('rejects unsigned requests with 401 40101', async () => {
    const res = await fetch(new URL('/auth/v2/check', emu.authApiUrl));
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ stat: 'FAIL', code: 40101, message: 'Missing request credentials' });
  });

  it('rejects parameters changed after signing', async () => {
    const url = new URL('/auth/v2/preauth', emu.authApiUrl);
    const date = rfc2822Date(new Date());
    const { authorization } = signRequest({
      version: 2,
      ikey: emu.credentials.ikey,
      skey: emu.credentials.skey,
      method: 'POST',
      host: url.host,
      path: url.pathname,
      params: { username: 'demouser' },
      date,
    });
    const res = await fetch(url, {
      method: 'POST',
      headers: { Authorization: authorization, Date: date, 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'username=someoneelse',
    });
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ code: 40103 });
  });

  it('answers 405 for a wrong method and 404 for an unknown endpoint, in the Duo envelope', async () => {
    const wrong = await fetch(new URL('/auth/v2/preauth', emu.authApiUrl));
    expect(wrong.status).toBe(405);
    expect(await wrong.json()).toMatchObject({ stat: 'FAIL' });
    const unknown = await fetch(new URL('/auth/v2/nope', emu.authApiUrl));
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ stat: 'FAIL', code: 40401 });
  });

  it('limits request bodies with a 413 Duo envelope', async () => {
    const res = await fetch(new URL('/auth/v2/preauth', emu.authApiUrl), {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: `username=${'a'.repeat(70 * 1024)}`,
    });
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ stat: 'FAIL', code: 41301 });
  });
});

describe('preauth', () => {
  it('returns auth with the devices of an enrolled user', async () => {
    const res = await client().preauth({ username: 'demouser' });
    expect(res.result).toBe('auth');
    expect(res.devices).toEqual([
      {
        device: 'DPFZRS9FB0D46QFTM891',
        type: 'phone',
        name: "Presenter's iPhone",
        display_name: 'iOS (XXX-XXX-0100)',
        number: 'XXX-XXX-0100',
        capabilities: ['auto', 'push', 'sms', 'phone', 'mobile_otp'],
      },
    ]);
  });

  it('returns enroll for an unknown user', async () => {
    const res = await client().preauth({ username: 'nobody' });
    expect(res).toMatchObject({ result: 'enroll', status_msg: 'Enroll an authentication device to proceed' });
    expect(res.enroll_portal_url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/portal\?code=/);
  });

  it('requires a username (40001 names the parameter)', async () => {
    const error = await expectDuoError(client().preauth({ username: '' }), 400, 40001);
    expect(error.messageDetail).toBe('username');
  });
});

describe('synchronous push', () => {
  it('approve → allow', async () => {
    await expect(client().auth({ username: 'demouser', factor: 'push' })).resolves.toEqual({
      result: 'allow',
      status: 'allow',
      status_msg: 'Success. Logging you in...',
    });
    expect(emu.phone.history.map((p) => p.outcome)).toEqual(['approve']);
  });

  it('deny → deny', async () => {
    emu.phone.setPolicy('deny');
    await expect(client().auth({ username: 'demouser', factor: 'push', device: 'DPFZRS9FB0D46QFTM891' })).resolves.toEqual({
      result: 'deny',
      status: 'deny',
      status_msg: 'Login request denied.',
    });
  });
});

describe('asynchronous push and auth_status', () => {
  it('approve: waiting/pushed, then allow', async () => {
    const c = client();
    const { txid } = await c.auth({ username: 'demouser', factor: 'push', async: true });
    expect(txid).toMatch(/^[0-9a-f-]{36}$/);
    const { status, seen } = await pollUntilSettled(c, txid);
    expect(status).toMatchObject({ result: 'allow', status: 'allow', status_msg: 'Success. Logging you in...' });
    expect(seen.every((s) => s === 'pushed' || s === 'allow')).toBe(true);
  });

  it('shows waiting/pushed while the phone has not answered', async () => {
    let release: () => void = () => undefined;
    emu.phone.setPolicy(
      () =>
        new Promise((resolve) => {
          release = () => resolve('approve');
        }),
    );
    const c = client();
    const { txid } = await c.auth({ username: 'demouser', factor: 'push', async: true });
    await expect(c.authStatus(txid)).resolves.toMatchObject({
      result: 'waiting',
      status: 'pushed',
      status_msg: 'Pushed a login request to your device...',
    });
    release();
    const { status } = await pollUntilSettled(c, txid);
    expect(status.result).toBe('allow');
  });

  it('long-polls: a second auth_status waits for the answer instead of repeating "pushed"', async () => {
    // Its own emulator: a push here lives long enough that only the answer can end the wait.
    const patient = await startDuoEmulator({ pushLifetimeMs: 20_000 });
    try {
      let release: () => void = () => undefined;
      patient.phone.setPolicy(() => new Promise((resolve) => (release = () => resolve('approve'))));
      const c = new DuoAuthClient({ baseUrl: patient.authApiUrl, ikey: patient.credentials.ikey, skey: patient.credentials.skey });
      const { txid } = await c.auth({ username: 'demouser', factor: 'push', async: true });
      await expect(c.authStatus(txid)).resolves.toMatchObject({ result: 'waiting', status: 'pushed' });
      let answered = false;
      const second = c.authStatus(txid).finally(() => (answered = true));
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(answered).toBe(false);
      release();
      await expect(second).resolves.toMatchObject({ result: 'allow', status: 'allow' });
    } finally {
      await patient.close();
    }
  });

  it('deny', async () => {
    emu.phone.setPolicy('deny');
    const c = client();
    const { txid } = await c.auth({ username: 'demouser', factor: 'push', async: true });
    const { status } = await pollUntilSettled(c, txid);
    expect(status).toMatchObject({ result: 'deny', status: 'deny', status_msg: 'Login request denied.' });
  });

  it('fraud', async () => {
    emu.phone.setPolicy('fraud');
    const c = client();
    const { txid } = await c.auth({ username: 'demouser', factor: 'push', async: true });
    const { status } = await pollUntilSettled(c, txid);
    expect(status).toMatchObject({ result: 'deny', status: 'fraud' });
  });

  it('timeout after the push lifetime', async () => {
    emu.phone.setPolicy('timeout');
    const c = client();
    const { txid } = await c.auth({ username: 'demouser', factor: 'push', async: true });
    const { status } = await pollUntilSettled(c, txid);
    expect(status).toMatchObject({ result: 'deny', status: 'timeout', status_msg: 'Login timed out.' });
    expect(emu.phone.history.at(-1)?.outcome).toBe('timeout');
  });

  it('a responder slower than the push lifetime also times out', async () => {
    emu.phone.setPolicy(() => new Promise(() => undefined));
    const c = client();
    const { txid } = await c.auth({ username: 'demouser', factor: 'push', async: true });
    const { status } = await pollUntilSettled(c, txid);
    expect(status.status).toBe('timeout');
  });

  it('404 for an unknown txid', async () => {
    await expectDuoError(client().authStatus('00000000-0000-0000-0000-000000000000'), 404);
  });
});

describe('push contents', () => {
  it('pushinfo travels double-encoded and the phone sees the decoded pairs', async () => {
    const pushinfo = { tool: 'Crm.DeleteContact', 'contact id': 'c-42 & co', note: 'a=b+c%d ü' };
    const seen: PushRequest[] = [];
    const unsubscribe = emu.phone.onPush((push) => seen.push(push));
    try {
      await client().auth({
        username: 'demouser',
        factor: 'push',
        type: 'Agent approval',
        displayUsername: 'Demo User',
        pushinfo,
      });
    } finally {
      unsubscribe();
    }
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({
      username: 'demouser',
      device: 'DPFZRS9FB0D46QFTM891',
      type: 'Agent approval',
      displayUsername: 'Demo User',
      pushinfo,
    });
    expect(emu.phone.history.at(-1)).toMatchObject({ pushinfo, outcome: 'approve' });
  });

  it('our client sends the pushinfo value form-encoded once more on the wire', async () => {
    expect(encodePushinfo({ 'a b': 'c&d' })).toBe('a%20b=c%26d');
    // A bare server records the exact bytes our client sends, whatever the emulator would make of them.
    const bodies: string[] = [];
    const wire = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        bodies.push(body);
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ stat: 'OK', response: { txid: 'tx-wire' } }));
      });
    });
    await new Promise<void>((done) => wire.listen(0, '127.0.0.1', done));
    try {
      const baseUrl = `http://127.0.0.1:${(wire.address() as AddressInfo).port}`;
      await client({ baseUrl }).auth({ username: 'demouser', factor: 'push', async: true, pushinfo: { 'a b': 'c&d' } });
    } finally {
      wire.close();
    }
    // Its % and = and & are encoded again as a parameter value.
    expect(bodies[0]).toContain('pushinfo=a%2520b%3Dc%2526d');
  });

  it('also decodes pushinfo from a v5 JSON body', async () => {
    const seen: PushRequest[] = [];
    const unsubscribe = emu.phone.onPush((push) => seen.push(push));
    try {
      await client({ signatureVersion: 5 }).auth({ username: 'demouser', factor: 'push', pushinfo: { k: 'v w' } });
    } finally {
      unsubscribe();
    }
    expect(seen[0]?.pushinfo).toEqual({ k: 'v w' });
  });
});

describe('auth errors', () => {
  it('a user with no push-capable device gets 400 40002 no capable device', async () => {
    emu.directory.addUser({
      username: 'smsonly',
      devices: [{ device: 'DPSMSONLY00000000001', type: 'phone', number: 'XXX-XXX-0199', capabilities: ['sms', 'phone'] }],
    });
    const error = await expectDuoError(client().auth({ username: 'smsonly', factor: 'push' }), 400, 40002);
    expect(error.messageDetail).toBe('no capable device');
    expect(error.duoMessage).toBe('Invalid request parameters');
  });

  it('factor=auto without device → 40001 device', async () => {
    const url = new URL('/auth/v2/auth', emu.authApiUrl);
    const date = rfc2822Date(new Date());
    const params = { username: 'demouser', factor: 'auto' };
    const { authorization } = signRequest({
      version: 2,
      ikey: emu.credentials.ikey,
      skey: emu.credentials.skey,
      method: 'POST',
      host: url.host,
      path: url.pathname,
      params,
      date,
    });
    const res = await fetch(url, {
      method: 'POST',
      headers: { Authorization: authorization, Date: date, 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(params).toString(),
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      stat: 'FAIL',
      code: 40001,
      message: 'Missing required request parameters',
      message_detail: 'device',
    });
  });
});

describe('client failures', () => {
  it('network errors become DuoApiError with httpStatus 0', async () => {
    const closed = await startDuoEmulator();
    const url = closed.authApiUrl;
    await closed.close();
    const c = new DuoAuthClient({ baseUrl: url, ikey: 'DIXXXXXXXXXXXXXXXXXX', skey: 'secretsecret' });
    const error = await expectDuoError(c.check(), 0);
    expect(error.message).not.toContain('secretsecret');
  });

  it('close() ends a pending long-poll promptly', async () => {
    const local = await startDuoEmulator();
    local.phone.setPolicy('timeout');
    const c = new DuoAuthClient({ baseUrl: local.authApiUrl, ikey: local.credentials.ikey, skey: local.credentials.skey });
    const { txid } = await c.auth({ username: 'demouser', factor: 'push', async: true });
    await c.authStatus(txid); // the first poll answers "pushed" at once
    const pending = c.authStatus(txid).then(
      (s) => s.status,
      (e: unknown) => (e instanceof DuoApiError ? 'error' : 'other'),
    );
    await local.close();
    expect(['timeout', 'error']).toContain(await pending);
  });
});

describe('many pending pushes at once', () => {
  it('is the load the emulator is built for: no listener-leak warning', async () => {
    const busy = await startDuoEmulator({ pushLifetimeMs: 20_000 });
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.name);
    process.on('warning', onWarning);
    try {
      const answers: Array<() => void> = [];
      busy.phone.setPolicy(() => new Promise((resolve) => answers.push(() => resolve('deny'))));
      const c = new DuoAuthClient({ baseUrl: busy.authApiUrl, ikey: busy.credentials.ikey, skey: busy.credentials.skey });
      await Promise.all(Array.from({ length: 15 }, () => c.auth({ username: 'demouser', factor: 'push', async: true })));
      expect(answers).toHaveLength(15);
      await new Promise((resolve) => setTimeout(resolve, 20)); // warnings are emitted on a later tick
      expect(warnings).not.toContain('MaxListenersExceededWarning');
      for (const answer of answers) answer();
    } finally {
      process.off('warning', onWarning);
      await busy.close();
    }
  });
});

describe('local mode with Auth API keys of your own', () => {
  it('makes the embedded emulator accept the DUO_AUTH_IKEY / DUO_AUTH_SKEY given, and no other secret key', async () => {
    const ikey = 'DIOWNKEYS00000000001';
    const skey = 'own-secret-key-0123456789abcdefghijklmnop';
    const stack = await startLocalStack({ DUO_AUTH_IKEY: ikey, DUO_AUTH_SKEY: skey });
    try {
      const baseUrl = stack.emulator!.authApiUrl;
      await expect(new DuoAuthClient({ baseUrl, ikey, skey }).check()).resolves.toMatchObject({ time: expect.any(Number) });
      await expect(new DuoAuthClient({ baseUrl, ikey, skey, signatureVersion: 5 }).check()).resolves.toBeDefined();
      await expectDuoError(new DuoAuthClient({ baseUrl, ikey, skey: `${skey}x` }).check(), 401, 40103);
    } finally {
      await stack.close();
    }
  });
});
