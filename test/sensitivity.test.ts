import { describe, expect, it } from 'vitest';
import { DEFAULT_SENSITIVE_TERMS } from '../src/config.js';
import { inspectInputs } from '../src/hook/sensitivity.js';
import { BENIGN_INPUTS, BYPASS_ATTEMPTS } from './support/bypass-cases.js';

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
