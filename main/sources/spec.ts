import { GatehouseError } from '../../shared/errors.js';
import { CORRUPTION_KINDS, isCorruptionKind, type CorruptionRequest } from './corruption.js';
import { resolveSyntheticOptions, type SyntheticOptions } from './synthetic.js';
import { DEFAULT_CONGRESS_BASE_URL } from './congress/client.js';

/** Where the Congress.gov API key comes from when no option gives one. */
export const CONGRESS_API_KEY_VARIABLE = 'GATEHOUSE_CONGRESS_API_KEY';

export type SourceSpec =
  | { scheme: 'file'; path: string }
  | { scheme: 'synthetic'; options: SyntheticOptions }
  | { scheme: 'congress'; baseUrl: string };

export const SPEC_FORMS =
  'file:PATH, synthetic:seed=N,count=M[,start=YYYY-MM-DD][,invalid=KIND:FRACTION]…[,revision=R,changed=K][,offset=O] or congress:[BASE_URL]';

const SYNTHETIC_KEYS = ['seed', 'count', 'start', 'invalid', 'revision', 'changed', 'offset'] as const;
type SyntheticKey = (typeof SYNTHETIC_KEYS)[number];
type WholeNumberKey = Exclude<SyntheticKey, 'start' | 'invalid'>;

/** A key written into a spec, in any of the spellings a URL or a person might use. */
const KEY_IN_SPEC = /api(?:[_-]|%5f)?key\s*(?:=|%3d)/i;

/**
 * Splits `SCHEME:REST` and parses REST for that scheme; bad values are USAGE errors. A spec is
 * stored with its task and run and shown in lists and logs, so one carrying an API key is refused.
 */
export function parseSourceSpec(spec: string): SourceSpec {
  if (KEY_IN_SPEC.test(spec)) {
    throw new GatehouseError('USAGE', 'the source spec carries an API key; a spec is stored and shown, so keys are not accepted in it', {
      hint: `remove api_key=… from the spec and set ${CONGRESS_API_KEY_VARIABLE} (or save the key in the console's settings)`,
    });
  }
  const trimmed = spec.trim();
  const colon = trimmed.indexOf(':');
  const scheme = colon === -1 ? '' : trimmed.slice(0, colon).toLowerCase();
  const rest = trimmed.slice(colon + 1);
  switch (scheme) {
    case 'file':
      if (rest === '') throw new GatehouseError('USAGE', 'file: needs a path, e.g. file:hearings.ndjson');
      return { scheme: 'file', path: rest };
    case 'synthetic':
      return { scheme: 'synthetic', options: parseSyntheticOptions(rest) };
    case 'congress':
      return parseCongressSpec(rest);
    default:
      throw new GatehouseError('SOURCE_SPEC_UNKNOWN', `unknown source "${spec}": use ${SPEC_FORMS}`, {
        hint: colon === -1 && trimmed !== '' ? `for a file, write file:${trimmed}` : undefined,
      });
  }
}

/** `congress:` alone means the public API; the key comes from the environment or the console's settings. */
function parseCongressSpec(text: string): SourceSpec {
  if (text.trim() === '') return { scheme: 'congress', baseUrl: DEFAULT_CONGRESS_BASE_URL };
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    throw new GatehouseError('USAGE', 'congress: BASE_URL must be an http(s) URL, e.g. congress:https://api.congress.gov/v3');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new GatehouseError('USAGE', `congress: BASE_URL must be http or https, got ${url.protocol}`);
  }
  if (url.search !== '' || url.hash !== '' || url.username !== '' || url.password !== '') {
    throw new GatehouseError('USAGE', 'congress: BASE_URL takes no query, fragment or credentials');
  }
  return { scheme: 'congress', baseUrl: url.href.replace(/\/+$/, '') };
}

export function parseSyntheticOptions(text: string): SyntheticOptions {
  const given: Partial<SyntheticOptions> = {};
  const invalid: CorruptionRequest[] = [];
  const seen = new Set<string>();
  for (const part of text.split(',').map((p) => p.trim()).filter((p) => p !== '')) {
    const [key, value] = splitOption(part);
    if (key === 'invalid') {
      invalid.push(parseCorruptionRequest(value, invalid));
      continue;
    }
    if (seen.has(key)) throw usage(`${key}= is given twice`);
    seen.add(key);
    if (key === 'start') given.start = value;
    else given[key] = parseWholeNumber(key, value);
  }
  if (seen.has('revision') !== seen.has('changed')) throw usage('revision=R and changed=K go together');
  return resolveSyntheticOptions({ ...given, invalid });
}

function splitOption(part: string): [SyntheticKey, string] {
  const equals = part.indexOf('=');
  if (equals === -1) throw usage(`expected KEY=VALUE, got "${part}"`);
  const key = part.slice(0, equals).trim();
  if (!(SYNTHETIC_KEYS as readonly string[]).includes(key)) {
    throw usage(`unknown option "${key}" (known: ${SYNTHETIC_KEYS.join(', ')})`);
  }
  return [key as SyntheticKey, part.slice(equals + 1).trim()];
}

function parseWholeNumber(key: WholeNumberKey, value: string): number {
  const number = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(number)) throw usage(`${key} must be a whole number ≥ 0, got "${value}"`);
  return number;
}

function parseCorruptionRequest(value: string, earlier: readonly CorruptionRequest[]): CorruptionRequest {
  const [kind = '', fractionText, ...extra] = value.split(':');
  if (!isCorruptionKind(kind)) throw usage(`unknown invalid kind "${kind}" (known: ${CORRUPTION_KINDS.join(', ')})`);
  if (fractionText === undefined || extra.length > 0) throw usage(`invalid= takes KIND:FRACTION, got "${value}"`);
  const fraction = Number(fractionText);
  if (!/^(\d+(\.\d*)?|\.\d+)$/.test(fractionText) || fraction > 1) {
    throw usage(`invalid=${kind} fraction must be a number from 0 to 1, got "${fractionText}"`);
  }
  if (earlier.some((request) => request.kind === kind)) throw usage(`invalid=${kind} is given twice`);
  return { kind, fraction };
}

function usage(message: string): GatehouseError {
  return new GatehouseError('USAGE', `synthetic: ${message}`);
}
