import anyAscii from 'any-ascii';
import { remove as removeConfusables } from 'confusables';

/**
 * Decides whether a tool call's inputs mention a sensitive term, in a way a model cannot talk its way around:
 * every string and key is looked at (recursively), after folding away case, accents, look-alike letters,
 * invisible characters, digit-for-letter swaps and common encodings; spaced-out or split words are joined back,
 * and inflections and one-letter misspellings of longer terms still match. Inputs too deep or too large to read
 * fully are "incomplete", which the hook treats as sensitive: what we could not read, we do not clear.
 */
export type SensitivityVerdict =
  | { kind: 'clear' }
  | { kind: 'match'; term: string; /** Dotted path of the input, e.g. "query" or "filters.0.sector". */ path: string; value: string }
  | { kind: 'incomplete'; why: string };

const MAX_DEPTH = 8;
/** Every key, index and value counts, so padding cannot push a term out of sight. */
const MAX_NODES = 5000;
/**
 * Text beyond these lengths is not read: a string this long, or this much text in one call, is itself a reason to
 * ask. They also bound the matcher's work per call (our tools take short inputs: a query is at most 500 characters).
 */
const MAX_TEXT = 4_000;
const MAX_TOTAL_TEXT = 16_000;
/** Stems this long also match with one letter wrong, missing or added ("clasified", "millitary"); shorter ones
 * ("defenc") would catch everyday words ("defend"). */
const FUZZY_MIN_STEM = 7;

/** Letters the confusables table maps to the wrong Latin letter, or not at all. */
const LOOKALIKE_FIXES: Record<string, string> = {
  ı: 'i',
  ι: 'i',
  ɪ: 'i',
  ꜰ: 'f',
  ʀ: 'r',
  ʏ: 'y',
  ʟ: 'l',
  ɴ: 'n',
  ɢ: 'g',
  ʜ: 'h',
  ð: 'd',
  '∂': 'd',
  ɔ: 'c',
  ƨ: 's',
  '§': 's',
  ᗴ: 'e',
};
/**
 * Combining letters are letters written above another: keep the letter, not the mark. U+0363–U+036F (a e i o u
 * c d h m r t v x) and the supplement U+1DD3–U+1DF4 (flattened a, ae, ao, av, c cedilla, insular d, eth, g, small
 * capital G, k, l, small capital L and M, n, small capital N and R, r rotunda, s, long s, z, alpha, b, beta, schwa,
 * f, l with tilde, o, p, esh, u, w, and a o u with diaeresis).
 */
const COMBINING_LETTERS: Record<number, string> = Object.fromEntries([
  ...'a e i o u c d h m r t v x'.split(' ').map((letter, i) => [0x0363 + i, letter]),
  ...'a ae ao av c d d g g k l l m n n r r s s z a b b e f l o p s u w a o u'.split(' ').map((letter, i) => [0x1dd3 + i, letter]),
]);

/**
 * Characters a reader takes for the same letter collapse to one class, on both sides of the comparison:
 * "1nte11igence", "|ntelligence" and "lntelligence" all read as intelligence.
 */
const READS_AS: Record<string, string> = {
  '0': 'o',
  '1': 'i',
  l: 'i',
  '|': 'i',
  '!': 'i',
  '3': 'e',
  '4': 'a',
  '@': 'a',
  '5': 's',
  $: 's',
  '7': 't',
  '+': 't',
  '8': 'b',
  '6': 'g',
  '9': 'g',
};

const READS_AS_PATTERN = new RegExp(
  `[${Object.keys(READS_AS)
    .join('')
    .replace(/[\\\]^$|+-]/g, '\\$&')}]`,
  'g',
);

/** Combining letters kept as letters, accents dropped, compatibility forms composed, invisible characters gone. */
function cleaned(text: string): string {
  const fixed = text
    .replace(/[\u0363-\u036F\u1DD3-\u1DF4]/g, (mark) => COMBINING_LETTERS[mark.charCodeAt(0)] ?? '')
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    // Soft hyphens, zero-width and bidi controls, tag characters, fillers, NUL and other controls.
    .replace(/[\p{Default_Ignorable_Code_Point}\p{Cf}\p{Cc}]+/gu, '')
    .normalize('NFKC');
  return [...fixed].map((ch) => LOOKALIKE_FIXES[ch] ?? ch).join('');
}

/** Case, accents, compatibility forms, look-alikes and invisible characters folded away; spacing kept. */
export function foldText(text: string): string {
  // Letters with a hook, curl or stroke that no normalisation decomposes ("defenɕe", "defeꞑce") read as ASCII.
  return anyAscii(removeConfusables(cleaned(text))).toLowerCase();
}

/**
 * The readings of one text: normally compatibility forms decide ("ſ" is an s, so "claſſified" reads right); a letter
 * chosen for its shape ("deſence") reads as what it looks like; and transliteration reads what the look-alike table
 * gets wrong.
 */
function foldings(text: string): string[] {
  const forms = new Set([foldText(text)]);
  const byShape = removeConfusables(text);
  if (byShape !== text) forms.add(foldText(byShape));
  // The look-alike table maps some letters to the wrong Latin one ("ꞓ" to e, "ɽ" to c); transliteration does not.
  if (/[^\x00-\x7f]/.test(text)) forms.add(anyAscii(cleaned(text)).toLowerCase());
  return [...forms];
}

/** The folded text as words of one alphabet: look-alike classes collapsed, "ph" read as "f", anything else a gap. */
function readingOf(folded: string, alphabet: RegExp): string[] {
  const classed = folded.replace(READS_AS_PATTERN, (ch) => READS_AS[ch]!).replace(/ph/g, 'f');
  return classed
    .split(alphabet)
    .map((word) => word.trim())
    .filter(Boolean);
}

/** Other ways the same words may be written: percent or HTML encoded, base64, rot13, backwards. */
function decodings(text: string): string[] {
  const out = [text];
  // Percent-encoding applied more than once ("%2564efence") is peeled a layer at a time.
  let encoded = text;
  for (let layer = 0; layer < 3 && /%[0-9a-f]{2}/i.test(encoded); layer++) {
    encoded = percentDecode(encoded);
    out.push(encoded);
  }
  if (/&#?\w+;/.test(text)) out.push(decodeEntities(text));
  for (const token of text.match(/[A-Za-z0-9+/_-]{8,}={0,2}/g) ?? []) {
    const decoded = Buffer.from(token, 'base64').toString('utf8');
    if (/^[\p{L}\p{N}\p{P}\p{Zs}]+$/u.test(decoded)) out.push(decoded);
  }
  out.push(
    text.replace(/[a-z]/gi, (ch) =>
      String.fromCharCode(((ch.toLowerCase().charCodeAt(0) - 97 + 13) % 26) + (ch === ch.toLowerCase() ? 97 : 65)),
    ),
  );
  out.push([...text].reverse().join(''));
  if (/[^\x00-\x7f]/.test(text)) out.push(turnedRightSideUp(text));
  out.push(dropInterleaved(text));
  return out;
}

function percentDecode(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return text.replace(/%([0-9a-f]{2})/gi, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  }
}

/** Upside-down letters, as "flip text" generators write them ("ǝɔuǝɟǝp"): read backwards, each letter turned back. */
const TURNED: Record<string, string> = {
  ɐ: 'a',
  q: 'b',
  ɔ: 'c',
  p: 'd',
  ǝ: 'e',
  ɟ: 'f',
  ƃ: 'g',
  ɥ: 'h',
  ᴉ: 'i',
  ɾ: 'j',
  ʞ: 'k',
  ꞁ: 'l',
  ɯ: 'm',
  u: 'n',
  d: 'p',
  b: 'q',
  ɹ: 'r',
  ʇ: 't',
  n: 'u',
  ʌ: 'v',
  ʍ: 'w',
  ʎ: 'y',
  '∀': 'a',
  Ɛ: 'e',
  Ⅎ: 'f',
  '⅁': 'g',
  ſ: 'j',
  '˥': 'l',
  Ԁ: 'p',
  ꓤ: 'r',
  '⊥': 't',
  '∩': 'u',
  Λ: 'v',
  '⅄': 'y',
};

function turnedRightSideUp(text: string): string {
  return [...text]
    .reverse()
    .map((ch) => TURNED[ch] ?? ch)
    .join('');
}

function decodeEntities(text: string): string {
  const named: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };
  return text.replace(/&(#x[0-9a-f]+|#\d+|\w+);/gi, (whole, body: string) => {
    if (body[0] === '#') {
      const code = body[1]?.toLowerCase() === 'x' ? parseInt(body.slice(2), 16) : parseInt(body.slice(1), 10);
      return Number.isFinite(code) && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    return named[body.toLowerCase()] ?? whole;
  });
}

/** "military" also matches "militaries" and "militarised"; "defence" matches "defences" and "defence-sector". */
export function stemOf(term: string): string {
  const base = readingOf(foldText(term), /[^a-z0-9]+/).join('');
  const stem = base.replace(/(ies|ied|es|ed|ing|s|y|e)$/, '');
  return stem.length >= 4 ? stem : base;
}

/** Whether `a` and `b` differ by at most one letter changed, added or removed: one pass, no table. */
function withinOneEdit(a: string, b: string): boolean {
  if (Math.abs(a.length - b.length) > 1) return false;
  const [shorter, longer] = a.length <= b.length ? [a, b] : [b, a];
  let i = 0;
  while (i < shorter.length && shorter[i] === longer[i]) i++;
  if (i === shorter.length) return true; // equal, or one letter added at the end
  // The first difference is the one edit: a change (same lengths) or a letter added to the longer one.
  return shorter.length === longer.length ? shorter.slice(i + 1) === longer.slice(i + 1) : shorter.slice(i) === longer.slice(i + 1);
}

/**
 * Whether `word` starts with `stem` give or take one letter. Anchored at the word's start and on the stem's last
 * letter, so "clasified" and "intelligance" match while "similar", "militant" and "intelligent" do not.
 */
function startsWithAlmost(word: string, stem: string): boolean {
  const m = stem.length;
  // One edit leaves one of these pairs equal: most words are turned away before any comparison.
  if (word[0] !== stem[0] && word[1] !== stem[1] && word[0] !== stem[1] && word[1] !== stem[0]) return false;
  for (let length = m - 1; length <= m + 1; length++) {
    if (length > word.length) break;
    if (word[length - 1] === stem[m - 1] && withinOneEdit(word.slice(0, length), stem)) return true;
  }
  return false;
}

/** "d|e|f|e|n|c|e" with any separator, even one that looks like a letter or digit. */
function dropInterleaved(text: string): string {
  const chars = [...text];
  const out: string[] = [];
  let i = 0;
  while (i < chars.length) {
    const separator = chars[i + 1];
    let j = i;
    while (j + 1 < chars.length && chars[j + 1] === separator && chars[j] !== separator) j += 2;
    if ((j - i) / 2 >= 3) {
      for (let k = i; k < j; k += 2) out.push(chars[k]!);
      i = j;
    } else {
      out.push(chars[i]!);
      i += 1;
    }
  }
  return out.join('');
}

export interface TermMatcher {
  /** The configured term the text contains, if any. */
  match(text: string): string | undefined;
}

export function termMatcher(terms: readonly string[]): TermMatcher {
  // Our alphabet is the one the terms are written in: other characters only separate words.
  const folded = terms.map((term) => foldText(term));
  const extra = [...new Set(folded.join('').replace(/[a-z0-9\s]/g, ''))].map((ch) => ch.replace(/[\\\]^-]/g, '\\$&')).join('');
  const alphabet = new RegExp(`[^a-z0-9${extra}]+`, 'u');
  const stems = terms
    .map((term) => ({ term, stem: stemOf(term), whole: readingOf(foldText(term), /[^a-z0-9]+/).join('') }))
    .filter((t) => t.stem.length > 0);

  const matchWords = (words: string[]): string | undefined => {
    // All words run together, with where each starts: a term may begin at any word and run on across the next
    // ones ("de fence", "d e f e n c e"), but never begin mid-word after a gap ("code fence").
    const run = words.join('');
    const starts: number[] = [];
    for (let i = 0, at = 0; i < words.length; at += words[i]!.length, i++) starts.push(at);
    for (const { term, stem, whole } of stems) {
      const fuzzy = stem.length >= FUZZY_MIN_STEM;
      for (let i = 0; i < words.length; i++) {
        // Inside one word: "cyberdefence", "demilitarised".
        if (words[i]!.includes(stem)) return term;
        const at = starts[i]!;
        if (run.startsWith(stem, at)) return term;
        // Misspelled only from a word's start: "clasified", "intelligance"; against the whole term too, so the
        // stem's own last letter may be the wrong one ("intelligense", "militaxy").
        if (fuzzy && startsWithAlmost(run.slice(at, at + stem.length + 1), stem)) return term;
        if (fuzzy && startsWithAlmost(run.slice(at, at + whole.length + 1), whole)) return term;
      }
    }
    return undefined;
  };

  return {
    match(text) {
      // Inputs past the limits are "incomplete" anyway; the bound keeps the work finite (joins of keys and values included).
      const bounded = text.length > 2 * MAX_TOTAL_TEXT ? text.slice(0, 2 * MAX_TOTAL_TEXT) : text;
      for (const form of decodings(bounded)) {
        for (const folded of foldings(form)) {
          const term = matchWords(readingOf(folded, alphabet));
          if (term) return term;
        }
      }
      return undefined;
    },
  };
}

export function inspectInputs(inputs: unknown, terms: readonly string[]): SensitivityVerdict {
  const matcher = termMatcher(terms);
  let nodes = 0;
  let incomplete: string | undefined;
  // Values, and keys with values, in reading order: a term split across them ({"a": "milit", "b": "ary"},
  // {"de": "fence"}) is found in one of the two joins.
  const values: string[] = [];
  const keysAndValues: string[] = [];
  let textLength = 0;

  const matchText = (text: string, path: string): SensitivityVerdict | undefined => {
    const term = matcher.match(text);
    return term ? { kind: 'match', term, path: path || '(input)', value: text } : undefined;
  };

  const visit = (value: unknown, path: string, depth: number): SensitivityVerdict | undefined => {
    if (++nodes > MAX_NODES) {
      incomplete ??= `more than ${MAX_NODES} values`;
      return undefined;
    }
    if (typeof value === 'string') {
      if ((textLength += value.length) > MAX_TOTAL_TEXT) {
        incomplete ??= `more than ${MAX_TOTAL_TEXT} characters of text`;
        return undefined;
      }
      values.push(value);
      keysAndValues.push(value);
      if (value.length <= MAX_TEXT) return matchText(value, path);
      // Read its start (a term there names the rule on the push), and ask for approval whatever it says.
      incomplete ??= `a text longer than ${MAX_TEXT} characters`;
      return matchText(value.slice(0, MAX_TEXT), path);
    }
    if (typeof value !== 'object' || value === null) return undefined;
    if (depth >= MAX_DEPTH) {
      incomplete ??= `nested deeper than ${MAX_DEPTH} levels`;
      return undefined;
    }
    const entries: Array<[string, unknown]> = Array.isArray(value) ? value.map((v, i) => [String(i), v]) : Object.entries(value);
    for (const [key, child] of entries) {
      const childPath = path ? `${path}.${key}` : key;
      if (!Array.isArray(value)) {
        keysAndValues.push(key);
        if ((textLength += key.length) > MAX_TOTAL_TEXT) incomplete ??= `more than ${MAX_TOTAL_TEXT} characters of text`;
      }
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
  for (const parts of [values, keysAndValues]) {
    if (parts.length < 2) continue;
    // Joined with a gap, so the word-start rule applies: ["milit", "ary"] matches, ["code", "fence"] does not.
    const joined = parts.join(' ');
    const term = matcher.match(joined);
    if (term) return { kind: 'match', term, path: '(several inputs together)', value: joined };
  }
  return { kind: 'clear' };
}
