/**
 * Where records come from: the folder's whole public face. Other folders import only this file.
 */
import { GatehouseError } from '../../shared/errors.js';
import { createCongressSource } from './congress/source.js';
import { openFileSource } from './file.js';
import { CONGRESS_API_KEY_VARIABLE, parseSourceSpec } from './spec.js';
import { createSyntheticSource } from './synthetic.js';
import type { RecordSource, SourceOptions } from './types.js';

export type { RecordSource, ResumeByIdentity, SourceItem, SourceOptions } from './types.js';
export { CONGRESS_API_KEY_VARIABLE, parseSourceSpec, parseSyntheticOptions, SPEC_FORMS, type SourceSpec } from './spec.js';
export {
  CORRUPTION_KINDS,
  corruptionCount,
  isCorruptionKind,
  type CorruptionKind,
  type CorruptionRequest,
} from './corruption.js';
export { REVISED_FIELDS, type RevisedField } from './revision.js';
export { FIRST_EVENT_ID as FIRST_SYNTHETIC_EVENT_ID, type CommitteeMeetingRecord } from './synthetic-hearing.js';
export {
  DEFAULT_SYNTHETIC_OPTIONS,
  formatSyntheticSpec,
  generateHearings,
  resolveSyntheticOptions,
  syntheticHearings,
  type SyntheticHearing,
  type SyntheticOptions,
} from './synthetic.js';
export { eventIdOf, recordsIn } from './wrappers.js';
export { withoutByteOrderMark } from './json-syntax.js';
export { fingerprintChanges } from './fingerprint.js';
export {
  CONGRESS_CHAMBERS,
  createCongressSource,
  type CongressFetchStats,
  type CongressSource,
  type CongressSourceOptions,
} from './congress/source.js';
export { CongressClient, CongressFetchError, DEFAULT_CONGRESS_BASE_URL, DEFAULT_MAX_WAIT_PER_REQUEST_MS, retryAfterMs, type CongressClientOptions } from './congress/client.js';
export { CONGRESS_REQUESTS_PER_HOUR, processRequestLimiter, RequestRateLimiter } from './congress/rate-limit.js';
export { CircuitBreaker, type BreakerState } from './congress/breaker.js';
export {
  CATCH_UP_OVERLAP_MS,
  catchUpHorizon,
  lastCatchUpFor,
  checkLookbackDays,
  congressDateTime,
  congressesSitting,
  currentCongress,
  DEFAULT_LOOKBACK_DAYS,
  listedEveryCongressSitting,
  MAX_LOOKBACK_DAYS,
  noonEastern,
  recordedWindow,
} from './congress/window.js';

/**
 * Opens `file:PATH`, `synthetic:…` or `congress:[BASE_URL]`. Throws GatehouseError SOURCE_SPEC_UNKNOWN
 * for another scheme, USAGE for a bad option or a missing API key, SOURCE_UNREADABLE / INPUT_INVALID
 * for a file that cannot be used.
 */
/** What a `congress:` source's runs are recorded under: the catch-up finds a task's earlier runs by it. */
const congressDescription = (baseUrl: string): string => `congress:${baseUrl}`;

/**
 * The description runs of `spec` are recorded under when its source catches up over missed runs
 * (congress); null for one that does not (file, synthetic) or a spec that does not parse.
 */
export function catchUpSourceDescription(spec: string): string | null {
  try {
    const parsed = parseSourceSpec(spec);
    return parsed.scheme === 'congress' ? congressDescription(parsed.baseUrl) : null;
  } catch {
    return null;
  }
}

/** `congress:` alone: the spec leaves where it is read from to `SourceOptions.congressBaseUrl`, or the public API. */
function namesNoUrl(spec: string): boolean {
  const trimmed = spec.trim();
  return trimmed.slice(trimmed.indexOf(':') + 1).trim() === '';
}

export async function openSource(spec: string, options: SourceOptions = {}): Promise<RecordSource> {
  const parsed = parseSourceSpec(spec);
  const description = spec.trim();
  switch (parsed.scheme) {
    case 'file':
      return openFileSource(parsed.path, description);
    case 'synthetic':
      return createSyntheticSource(parsed.options, description);
    case 'congress': {
      const apiKey = options.apiKey ?? process.env[CONGRESS_API_KEY_VARIABLE] ?? '';
      if (apiKey.trim() === '') {
        throw new GatehouseError('USAGE', 'congress: needs an API key', { hint: { cli: `set ${CONGRESS_API_KEY_VARIABLE}`, console: 'save a Congress.gov API key in Settings' } });
      }
      return createCongressSource({
        baseUrl: namesNoUrl(spec) ? options.congressBaseUrl ?? parsed.baseUrl : parsed.baseUrl,
        apiKey,
        description: congressDescription(parsed.baseUrl),
        lookbackDays: options.lookbackDays,
        congress: options.congress,
        now: options.now,
        waitWorthSayingMs: options.waitWorthSayingMs,
        maxWaitPerRequestMs: options.maxWaitPerRequestMs,
      });
    }
  }
}
