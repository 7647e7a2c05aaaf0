import { remove as removeConfusables } from 'confusables';

/**
 * Decides whether a tool call's inputs mention a sensitive term, in a way a model cannot talk its way around:
 * every string and key is looked at (recursively), after folding away case, accents, look-alike letters,
 * invisible characters, spacing and punctuation, common digit-for-letter swaps and inflections. Inputs too deep
 * or too large to read fully are "incomplete", which the hook treats as sensitive: what we could not read,
 * we do not clear.
 */
export type SensitivityVerdict =
  | { kind: 'clear' }
  | { kind: 'match'; term: string; /** Dotted path of the input, e.g. "query" or "filters.0.sector". */ path: string; value: string }
  | { kind: 'incomplete'; why: string };

const MAX_DEPTH = 8;
/** Every key, index and value counts, so padding cannot push a term out of sight. */
const MAX_NODES = 5000;
/** Text beyond this many characters is not read: a string this long is itself a reason to ask. */
const MAX_TEXT = 100_000;

/** Letters the confusables table maps to the wrong Latin letter, or not at all. */
const LOOKALIKE_FIXES: Record<string, string> = { ı: 'i', ꜰ: 'f', ꞯ: 'q', ʀ: 'r', ᴦ: 'r', ɪ: 'i', ʏ: 'y', ʟ: 'l', ɴ: 'n', ɢ: 'g', ʜ: 'h' };
/** Digit-for-letter swaps ("d3f3nc3"). "1" reads as both i and l, so two variants are checked. */
const LEET_I: Record<string, string> = {
  '0': 'o',
  '1': 'i',
  '3': 'e',
  '4': 'a',
  '5': 's',
  '7': 't',
  '8': 'b',
  '@': 'a',
  $: 's',
  '!': 'i',
  '|': 'l',
};
const LEET_L: Record<string, string> = { ...LEET_I, '1': 'l', '!': 'l' };

/** Case, accents, compatibility forms, look-alikes and invisible characters folded away; spacing kept. */
export function foldText(text: string): string {
  const decomposed = text
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    // Soft hyphens, zero-width and bidi controls, tag characters, fillers, NUL and other controls.
    .replace(/[\p{Default_Ignorable_Code_Point}\p{Cf}\p{Cc}]+/gu, '')
    .normalize('NFKC');
  const fixed = [...decomposed].map((ch) => LOOKALIKE_FIXES[ch] ?? ch).join('');
  return removeConfusables(fixed).toLowerCase();
}

/** Only letters and digits: "d e-f.e n c e" and "defence" look the same. */
function squeeze(text: string): string {
  return text.replace(/[^\p{L}\p{N}]+/gu, '');
}

function deLeet(text: string, table: Record<string, string>): string {
  return [...text].map((ch) => table[ch] ?? ch).join('');
}

/** The forms of a text that are searched for terms. */
export function searchForms(text: string): string[] {
  const folded = foldText(text.length > MAX_TEXT ? text.slice(0, MAX_TEXT) : text);
  const forms = new Set([squeeze(folded), squeeze(deLeet(folded, LEET_I)), squeeze(deLeet(folded, LEET_L))]);
  return [...forms];
}

/** "military" also matches "militaries" and "militarised"; "defence" matches "defences" and "defence-sector". */
export function stemOf(term: string): string {
  const base = squeeze(foldText(term));
  const stem = base.replace(/(ies|ied|es|ed|ing|s|y|e)$/, '');
  return stem.length >= 4 ? stem : base;
}

export interface TermMatcher {
  /** The configured term whose stem the text contains, if any. */
  match(text: string): string | undefined;
}

export function termMatcher(terms: readonly string[]): TermMatcher {
  const stems = terms.map((term) => ({ term, stem: stemOf(term) })).filter((t) => t.stem.length > 0);
  return {
    match(text) {
      const forms = searchForms(text);
      return stems.find(({ stem }) => forms.some((form) => form.includes(stem)))?.term;
    },
  };
}

export function inspectInputs(inputs: unknown, terms: readonly string[]): SensitivityVerdict {
  const matcher = termMatcher(terms);
  let nodes = 0;
  let incomplete: string | undefined;
  // Strings and keys in reading order: a term split across values ("def", "ence") is found in their join.
  const sequence: string[] = [];

  const matchText = (text: string, path: string): SensitivityVerdict | undefined => {
    sequence.push(text);
    const term = matcher.match(text);
    return term ? { kind: 'match', term, path: path || '(input)', value: text } : undefined;
  };

  const visit = (value: unknown, path: string, depth: number): SensitivityVerdict | undefined => {
    if (++nodes > MAX_NODES) {
      incomplete ??= `more than ${MAX_NODES} values`;
      return undefined;
    }
    if (typeof value === 'string') {
      if (value.length > MAX_TEXT) incomplete ??= `a text longer than ${MAX_TEXT} characters`;
      return matchText(value, path);
    }
    if (typeof value !== 'object' || value === null) return undefined;
    if (depth >= MAX_DEPTH) {
      incomplete ??= `nested deeper than ${MAX_DEPTH} levels`;
      return undefined;
    }
    const entries: Array<[string, unknown]> = Array.isArray(value) ? value.map((v, i) => [String(i), v]) : Object.entries(value);
    for (const [key, child] of entries) {
      const childPath = path ? `${path}.${key}` : key;
      // Keys are model-controlled too: a term hidden in a key counts.
      const hit = (Array.isArray(value) ? undefined : matchText(key, childPath)) ?? visit(child, childPath, depth + 1);
      if (hit) return hit;
      if (incomplete) return undefined;
    }
    return undefined;
  };

  const hit = visit(inputs, '', 0);
  if (hit) return hit;
  if (incomplete) return { kind: 'incomplete', why: incomplete };
  const joined = sequence.join('');
  const splitTerm = sequence.length > 1 ? matcher.match(joined) : undefined;
  if (splitTerm) return { kind: 'match', term: splitTerm, path: '(several inputs together)', value: sequence.join(' ') };
  return { kind: 'clear' };
}
