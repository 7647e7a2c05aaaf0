import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  canonParams,
  canonXDuoHeaders,
  parseAuthorization,
  rfc2822Date,
  sha512Hex,
  signRequest,
  verifyRequest,
} from '../src/duo/signing.js';
import { conformanceFile } from './support/contract.js';

const vectorsPath = conformanceFile('duo-signing.json');

interface CanonVector {
  name: string;
  params: Record<string, string>;
  expected: string;
}
interface SignatureVector {
  name: string;
  version: 2 | 5;
  ikey: string;
  skey: string;
  method: string;
  host: string;
  path: string;
  params: Record<string, string>;
  body?: string;
  date: string;
  canonical?: string;
  body_sha512?: string;
  empty_sha512?: string;
  signature: string;
  authorization: string;
}
const vectors = JSON.parse(readFileSync(vectorsPath, 'utf8')) as {
  canon_params: CanonVector[];
  signatures: SignatureVector[];
};

describe('conformance vectors (shared/conformance/duo-signing.json)', () => {
  it('has vectors', () => {
    expect(vectors.canon_params.length).toBeGreaterThan(0);
    expect(vectors.signatures.length).toBeGreaterThan(0);
  });

  for (const v of vectors.canon_params) {
    it(`canonParams: ${v.name}`, () => {
      expect(canonParams(v.params)).toBe(v.expected);
    });
  }

  for (const v of vectors.signatures) {
    it(`signRequest: ${v.name}`, () => {
      const signed = signRequest({
        version: v.version,
        ikey: v.ikey,
        skey: v.skey,
        method: v.method,
        host: v.host,
        path: v.path,
        params: v.params,
        body: v.body,
        date: v.date,
      });
      expect(signed.signature).toBe(v.signature);
      expect(signed.authorization).toBe(v.authorization);
      if (v.canonical !== undefined) expect(signed.canonical).toBe(v.canonical);
      if (v.body_sha512 !== undefined) expect(sha512Hex(v.body ?? '')).toBe(v.body_sha512);
      if (v.empty_sha512 !== undefined) {
        expect(sha512Hex('')).toBe(v.empty_sha512);
        expect(canonXDuoHeaders()).toBe(v.empty_sha512);
      }
      if (v.version === 5) {
        expect(signed.canonical.split('\n')).toEqual([
          v.date,
          v.method.toUpperCase(),
          v.host.toLowerCase(),
          v.path,
          canonParams(v.params),
          sha512Hex(v.body ?? ''),
          sha512Hex(''),
        ]);
      }
    });

    it(`verifyRequest accepts and rejects: ${v.name}`, () => {
      const parsed = parseAuthorization(v.authorization);
      expect(parsed).toEqual({ ikey: v.ikey, signature: v.signature });
      const base = {
        signature: v.signature,
        skey: v.skey,
        method: v.method,
        hosts: [v.host],
        path: v.path,
        params: v.params,
        date: v.date,
        body: v.body ?? '',
        jsonBody: v.body !== undefined,
      };
      expect(verifyRequest(base)).toMatchObject({ valid: true, version: v.version });
      expect(verifyRequest({ ...base, skey: `${v.skey}x` }).valid).toBe(false);
      expect(verifyRequest({ ...base, date: v.date.replace('18 -0000', '19 -0000') }).valid).toBe(false);
    });
  }
});

describe('signing details', () => {
  it('sorts keys by encoded form, common prefixes first, and repeats multi-valued keys', () => {
    expect(canonParams({ foo_bar: '2', foo: '1' })).toBe('foo=1&foo_bar=2');
    expect(canonParams({ b: ['y', 'x'], a: '1' })).toBe('a=1&b=x&b=y');
    expect(canonParams({})).toBe('');
  });

  it('encodes UTF-8 with upper-case hex', () => {
    expect(canonParams({ ключ: 'é ü' })).toBe('%D0%BA%D0%BB%D1%8E%D1%87=%C3%A9%20%C3%BC');
  });

  it('signs v2 with SHA-1 when asked (legacy 40-hex signatures)', () => {
    const signed = signRequest({
      version: 2,
      digest: 'sha1',
      ikey: 'test_ikey',
      skey: 'test_skey',
      method: 'get',
      host: 'API.Example.com',
      path: '/auth/v2/check',
      params: {},
      date: 'Tue, 21 Aug 2012 17:29:18 -0000',
    });
    expect(signed.signature).toMatch(/^[0-9a-f]{40}$/);
    expect(signed.canonical).toBe('Tue, 21 Aug 2012 17:29:18 -0000\nGET\napi.example.com\n/auth/v2/check\n');
  });

  it('hashes X-Duo headers lower-cased and sorted, NUL-joined', () => {
    expect(canonXDuoHeaders({ 'X-Duo-B': '2', 'x-duo-a': '1' })).toBe(sha512Hex('x-duo-a\u00001\u0000x-duo-b\u00002'));
    expect(() => canonXDuoHeaders({ 'X-Other': '1' })).toThrow();
  });

  it('formats RFC 2822 dates like Python email.utils.formatdate', () => {
    expect(rfc2822Date(new Date(Date.UTC(2012, 7, 21, 17, 29, 18)))).toBe('Tue, 21 Aug 2012 17:29:18 -0000');
    expect(rfc2822Date(new Date(Date.UTC(2024, 0, 5, 3, 4, 5)))).toBe('Fri, 05 Jan 2024 03:04:05 -0000');
  });

  it('rejects malformed Authorization headers', () => {
    expect(parseAuthorization(undefined)).toBeUndefined();
    expect(parseAuthorization('Bearer abc')).toBeUndefined();
    expect(parseAuthorization(`Basic ${Buffer.from('nocolon').toString('base64')}`)).toBeUndefined();
  });
});
