/**
 * Where records come from: the folder's whole public face. Other folders import only this file.
 */
import { openFileSource } from './file.js';
import { parseSourceSpec } from './spec.js';
import { createSyntheticSource } from './synthetic.js';
import type { RecordSource, SourceOptions } from './types.js';

export type { RecordSource, SourceItem, SourceOptions } from './types.js';
export { parseSourceSpec, parseSyntheticOptions, SPEC_FORMS, type SourceSpec } from './spec.js';
export {
  CORRUPTION_KINDS,
  corruptionCount,
  isCorruptionKind,
  type CorruptionKind,
  type CorruptionRequest,
} from './corruption.js';
export { REVISED_FIELDS, type RevisedField } from './revision.js';
export type { CommitteeMeetingRecord } from './synthetic-hearing.js';
export {
  DEFAULT_SYNTHETIC_OPTIONS,
  formatSyntheticSpec,
  generateHearings,
  resolveSyntheticOptions,
  syntheticHearings,
  type SyntheticHearing,
  type SyntheticOptions,
} from './synthetic.js';
export { recordsIn } from './wrappers.js';

/**
 * Opens `file:PATH` or `synthetic:…`. Throws GatehouseError SOURCE_SPEC_UNKNOWN for another scheme,
 * USAGE for a bad option, SOURCE_UNREADABLE / INPUT_INVALID for a file that cannot be used.
 */
export async function openSource(spec: string, _options: SourceOptions = {}): Promise<RecordSource> {
  const parsed = parseSourceSpec(spec);
  const description = spec.trim();
  switch (parsed.scheme) {
    case 'file':
      return openFileSource(parsed.path, description);
    case 'synthetic':
      return createSyntheticSource(parsed.options, description);
  }
}
