import type { ApiHandlers } from '../../shared/api.js';
import { FIRST_SYNTHETIC_EVENT_ID, formatSyntheticSpec } from '../sources/index.js';
import type { Store } from '../store/index.js';
import type { ConsolePreferences } from './preferences.js';

/** Records a console-started synthetic run reads unless the operator asks for another count. */
const DEFAULT_SYNTHETIC_COUNT = 500;

/**
 * The Start-run form's defaults. Synthetic eventIds are FIRST_SYNTHETIC_EVENT_ID + record number
 * whatever the seed, so a default that started at record 0 would re-read the demo's hearings
 * (issue 14: 0 added / 495 updated, an anomaly and a notification). It starts above the highest
 * stored eventId instead, so every record it reads is new.
 */
export function sourceHandlers(store: Store, preferences: ConsolePreferences): Pick<ApiHandlers, 'runs.sourceDefaults'> {
  return {
    'runs.sourceDefaults': async () => {
      const highest = await store.highestEventId();
      const offset = highest === null ? 0 : Math.max(0, highest - FIRST_SYNTHETIC_EVENT_ID + 1);
      const seed = offset + 1;
      return {
        synthetic: formatSyntheticSpec({ seed, count: DEFAULT_SYNTHETIC_COUNT, offset, invalid: [{ kind: 'bad-date', fraction: 0.01 }] }),
        congress: preferences.congressApiKey() === null ? null : 'congress:',
      };
    },
  };
}
