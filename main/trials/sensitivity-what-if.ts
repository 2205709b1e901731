import type { SensitivityWhatIfView } from '../../shared/api-sensitivity.js';
import { GatehouseError } from '../../shared/errors.js';
import type { SensitivitySettings } from '../../shared/validation.js';
import { isSameDatabase, type Store } from '../store/index.js';
import { whatIfForTask } from '../validation/index.js';
import { existingStagingFor, withStagingLedger } from './staging-target.js';

export interface SensitivityWhatIfRequest {
  task: string;
  settings: SensitivitySettings;
  /** The staging copy whose trial ledger to add; absent: the default one beside the database, when it exists. */
  staging?: string | null;
}

/**
 * The what-if of the Sensitivity panel (sensitivity.whatIf) and of `gatehouse validate tune`, one
 * function for both: the task's stored runs and trial cases, with the staging copy's trial cases
 * added. A staging copy that is named and does not exist is NOT_FOUND on both — a mistyped path must
 * not quietly give a what-if without the trial cases it was asked to count.
 */
export async function sensitivityWhatIfWithStaging(store: Store, source: string, request: SensitivityWhatIfRequest): Promise<SensitivityWhatIfView> {
  const { task, settings, staging } = request;
  const target = existingStagingFor(source, staging);
  // The database's own trial cases are counted already: adding its ledger again as the staging copy's counted each case twice.
  if (target !== null && isSameDatabase(source, target)) {
    throw new GatehouseError('USAGE', `staging ${staging?.trim() ?? target} is the database itself, whose trial cases the what-if counts already; name the staging copy \`gatehouse trial\` wrote, or leave the staging out`);
  }
  const withStaging = target === null ? null : await withStagingLedger(target, (ledger) => whatIfForTask(store, task, settings, {}, ledger));
  if (withStaging === null && staging?.trim()) throw new GatehouseError('NOT_FOUND', `staging database ${staging.trim()} does not exist`);
  return withStaging ?? whatIfForTask(store, task, settings);
}
