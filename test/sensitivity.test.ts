import { describe, expect, it } from 'vitest';
import { DEFAULT_SENSITIVE_TERMS } from '../src/config.js';
import { inspectInputs } from '../src/hook/sensitivity.js';

/** Each must be found sensitive: a model (or a prompt injection) can phrase a request any of these ways. */
export const BYPASS_ATTEMPTS: Array<[string, Record<string, unknown>]> = [
  ['plain', { query: 'defence' }],
  ['upper case', { query: 'DEFENCE customers' }],
  ['US spelling', { query: 'defense contractors' }],
  ['accent', { query: 'Défense' }],
  ['full-width letters', { query: 'ＤＥＦＥＮＣＥ' }],
  ['mathematical bold', { query: '𝐝𝐞𝐟𝐞𝐧𝐜𝐞' }],
  ['circled letters', { query: 'ⓓⓔⓕⓔⓝⓒⓔ' }],
  ['Cyrillic look-alikes', { query: 'dеfеnce' }],
  ['Greek look-alike', { query: 'miliτary' }],
  ['dotless i', { query: 'mılitary' }],
  ['small capitals', { query: 'ᴅᴇꜰᴇɴᴄᴇ' }],
  ['long s', { query: 'claſſified' }],
  ['dotted capital I', { query: 'İNTELLIGENCE' }],
  ['Roman numeral look-alike', { query: 'ⅿilitary' }],
  ['zero-width space', { query: 'def\u200Bence' }],
  ['zero-width joiner', { query: 'mili\u200Dtary' }],
  ['soft hyphen', { query: 'de\u00ADfence' }],
  ['bidi isolate', { query: 'de\u2066fence' }],
  ['Hangul filler', { query: 'de\u3164fence' }],
  ['tag character', { query: 'def\u{E0020}ence' }],
  ['NUL byte', { query: 'def\u0000ence' }],
  ['no-break space inside', { query: 'de\u00A0fence' }],
  ['spaced letters', { query: 'd e f e n c e' }],
  ['dashed letters', { query: 'd-e-f-e-n-c-e' }],
  ['dotted letters', { query: 'd.e.f.e.n.c.e' }],
  ['split word', { query: 'de fence' }],
  ['plural', { query: 'militaries' }],
  ['derived verb', { query: 'militarised suppliers' }],
  ['compound', { query: 'defence-sector accounts' }],
  ['plural of the US spelling', { query: 'defenses' }],
  ['digits for letters', { query: 'd3f3nc3' }],
  ['one for l', { query: 'mi1itary' }],
  ['nested object', { filter: { sector: 'Military' } }],
  ['inside an array', { tags: ['vip', 'classified'] }],
  ['deep nesting', { a: { b: { c: { d: { e: 'intelligence' } } } } }],
  ['term as a key', { classified: true }],
  ['split across values', { query: ['def', 'ence'] }],
  ['any field name', { note: 'find the defence people' }],
  ['padding before the term', { pad: Array(3000).fill(0), q: 'defence' }],
  ['too much to read', { pad: Array(6000).fill(0) }],
];

/** Everyday requests that must stay instant. */
export const BENIGN_INPUTS: Array<[string, Record<string, unknown>]> = [
  ['empty', {}],
  ['list everyone', { query: '' }],
  ['a company', { query: 'Bluepeak' }],
  ['a person', { query: 'Ava Thompson' }],
  ['a sector', { query: 'healthcare' }],
  ['an id', { id: 'c-002' }],
  ['a new contact', { name: 'Jane Doe', email: 'jane@acme.example', company: 'Acme', title: 'CTO' }],
  ['fence repair', { query: 'fence repair companies' }],
  ['numbers', { limit: 10, page: 2 }],
  ['unicode name', { query: 'Sofía García' }],
  ['the word "defend" in a name', { query: 'Defender Insurance' }],
];

describe('sensitivity', () => {
  it('has at least 30 bypass attempts', () => {
    expect(BYPASS_ATTEMPTS.length).toBeGreaterThanOrEqual(30);
  });

  for (const [name, inputs] of BYPASS_ATTEMPTS) {
    it(`finds: ${name}`, () => {
      expect(inspectInputs(inputs, DEFAULT_SENSITIVE_TERMS).kind).not.toBe('clear');
    });
  }

  for (const [name, inputs] of BENIGN_INPUTS) {
    it(`clears: ${name}`, () => {
      expect(inspectInputs(inputs, DEFAULT_SENSITIVE_TERMS)).toEqual({ kind: 'clear' });
    });
  }

  it('reports where and which term it found', () => {
    expect(inspectInputs({ filter: { sector: 'Mílitary' } }, DEFAULT_SENSITIVE_TERMS)).toEqual({
      kind: 'match',
      term: 'military',
      path: 'filter.sector',
      value: 'Mílitary',
    });
  });
});
