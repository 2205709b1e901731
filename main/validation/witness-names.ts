/**
 * Honorifics and titles that Congress.gov prefixes inconsistently: "The Honorable Jane Doe",
 * "Hon. Jane Doe" and "Jane Doe" are the same witness.
 */
const HONORIFICS = [
  'the honorable', 'honorable', 'hon', 'the hon', 'dr', 'doctor', 'mr', 'mrs', 'ms', 'miss', 'mx',
  'sen', 'senator', 'rep', 'representative', 'congressman', 'congresswoman', 'gov', 'governor',
  'gen', 'general', 'adm', 'admiral', 'col', 'colonel', 'lt', 'maj', 'capt', 'sgt', 'prof', 'professor',
  'rev', 'reverend', 'amb', 'ambassador', 'judge', 'justice', 'secretary', 'mayor', 'chief',
];
const SUFFIXES = new Set(['jr', 'sr', 'ii', 'iii', 'iv', 'phd', 'md', 'esq', 'ret']);
const LONGEST_SUFFIX = Math.max(...[...SUFFIXES].map((suffix) => suffix.length));
/**
 * Any run of whitespace inside a two-word honorific: matching on the name as written is the same
 * as matching after collapsing each run to one space, and saves building that copy.
 */
const HONORIFIC_PREFIX = new RegExp(`^(?:(?:${HONORIFICS.map((h) => h.replace(' ', '\\s+')).join('|')})\\b\\.?\\s*)+`);
const NON_ASCII = /[\u0080-\uffff]/;
const COMBINING_MARKS = /[\u0300-\u036f]/g;
/**
 * Characters that show nothing (Unicode's Default_Ignorable_Code_Point: zero-width space and
 * joiners, word joiner, soft hyphen, BOM, direction marks): "Jane Doe\u200B" shows as "Jane Doe"
 * and is that witness, not a row of its own. A zero-width space between two words joins them as it
 * shows them ("Jane\u200BDoe" reads "JaneDoe"): identity is the text a person sees.
 */
const SHOWS_NOTHING = /\p{Default_Ignorable_Code_Point}/gu;
const WHITESPACE = /\s/;

/**
 * Lower case, accents and compatibility forms folded (NFKD, which leaves ASCII as it is), characters
 * that show nothing dropped, leading honorifics dropped, then the words between whitespace, dots and commas without suffixes, joined
 * by single spaces. One pass over the characters, not a regex replace per step: a run reads about
 * two names a record (1.1 → 0.4 µs a name).
 */
export function normalizeWitnessName(name: string): string {
  const folded = (NON_ASCII.test(name) ? name.normalize('NFKD').replace(COMBINING_MARKS, '').replace(SHOWS_NOTHING, '') : name).toLowerCase().trim();
  const rest = folded.replace(HONORIFIC_PREFIX, '');
  let normalized = '';
  let wordStart = -1;
  for (let i = 0; i <= rest.length; i++) {
    if (i < rest.length && !separatesWords(rest, i)) {
      if (wordStart < 0) wordStart = i;
      continue;
    }
    if (wordStart < 0) continue;
    const word = rest.slice(wordStart, i);
    wordStart = -1;
    if (word.length <= LONGEST_SUFFIX && SUFFIXES.has(word)) continue;
    normalized = normalized === '' ? word : `${normalized} ${word}`;
  }
  return normalized;
}

/** Whitespace (as `\s` means it), a dot or a comma. */
function separatesWords(text: string, index: number): boolean {
  const code = text.charCodeAt(index);
  if (code === 32 || code === 46 || code === 44) return true;
  if (code < 128) return code >= 9 && code <= 13;
  return WHITESPACE.test(text[index]!);
}
