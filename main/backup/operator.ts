import { GatehouseError } from '../../shared/errors.js';
import { actorName, currentOperator } from '../flags/index.js';

/** Who and why, as the undo audit records them. */
export const MAX_REASON_LENGTH = 2_000;

export { currentOperator };

/** The operator named, or the OS user when none is; a blank name is refused (flags' actorName, the one rule for every audited change). */
export const checkedOperator = actorName;

/** A reason an operator must give: blank is not a reason. */
export function checkedReason(reason: string | null | undefined, what: string): string {
  const text = reason?.trim() ?? '';
  if (text === '') throw new GatehouseError('USAGE', `${what} needs a reason`, { hint: { cli: 'pass --reason "why"', console: 'say why in the reason field; it is kept with the audit event' } });
  if (text.length > MAX_REASON_LENGTH) throw new GatehouseError('USAGE', `reason is longer than ${MAX_REASON_LENGTH} characters`);
  return text;
}
