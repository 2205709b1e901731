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
const SUFFIXES = ['jr', 'sr', 'ii', 'iii', 'iv', 'phd', 'md', 'esq', 'ret'];
const HONORIFIC_PREFIX = new RegExp(`^(?:(?:${HONORIFICS.join('|')})\\b\\.?\\s*)+`);

export function normalizeWitnessName(name: string): string {
  let normalized = name.normalize('NFKD').replace(/[\u0300-\u036f]/g, '').toLowerCase().replace(/\s+/g, ' ').trim();
  normalized = normalized.replace(HONORIFIC_PREFIX, '');
  normalized = normalized.replace(/[.,]/g, ' ').replace(/\s+/g, ' ').trim();
  const words = normalized.split(' ').filter((word) => !SUFFIXES.includes(word));
  return words.join(' ');
}
