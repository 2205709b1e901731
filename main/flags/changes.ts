import os from 'node:os';
import { GatehouseError } from '../../shared/errors.js';
import type { FlagEventView } from '../../shared/api-operations.js';
import type { Store } from '../store/index.js';
import { flagDefinition, killedPosition, parseFlagInput, valueProblem, type FlagDefinition, type FlagValue } from './definitions.js';
import { KILL_SCOPE, parseScope } from './scope.js';
import { type FlagChange, type FlagEvent, flagStore, sameJson } from './flag-store.js';
import { withHaltRequest, type HaltRequestStore } from './halt-requests.js';

export interface FlagChangeRequest {
  flag: string;
  scope?: string;
  /** The operator name set in the console; the OS user when absent. */
  operator?: string;
  reason: string | undefined;
  now?: Date;
  /**
   * The value stored for the scope when the operator decided (null: none stored; operator text is
   * read in the flag's type). Given, the change is refused with CONFLICT if it has changed since.
   */
  expected?: FlagValue | string | null;
}

/** The person logged in to this computer: who a change is recorded under when no operator is named. */
export function currentOperator(): string {
  try {
    return os.userInfo().username || process.env.USER || 'unknown';
  } catch {
    return process.env.USER ?? 'unknown';
  }
}

/**
 * Who made an audited change (a flag, a rollback, a restore, a review, a rollout, a task): the
 * operator named, or the OS user when none is. A name given blank is refused, not defaulted: it is
 * a script's empty variable or a slip, and the audit would otherwise name whoever runs the process.
 */
export function actorName(operator: string | undefined): string {
  if (operator === undefined) return currentOperator();
  const name = operator.trim();
  if (name === '') {
    throw new GatehouseError('USAGE', 'the operator named is blank: every audited change names the person who made it; nothing was changed', {
      hint: { cli: 'pass --operator NAME, or leave --operator out to be recorded as the OS user', console: 'give your name' },
    });
  }
  return name;
}

function knownFlag(name: string): FlagDefinition {
  const definition = flagDefinition(name);
  if (!definition) throw unknownFlag(name);
  return definition;
}

/** A name no flag has; the console lists every flag on its Flags page. */
export function unknownFlag(name: string): GatehouseError {
  return new GatehouseError('NOT_FOUND', `unknown flag "${name}"`, { hint: { cli: 'see `gatehouse flags list`', console: 'the Flags page lists every flag' } });
}

function requiredReason(reason: string | undefined): string {
  if (reason === undefined || reason.trim() === '') {
    throw new GatehouseError('USAGE', 'a reason is required for every flag change', { hint: { cli: 'pass --reason "why"', console: 'say why in the change\'s Reason field' } });
  }
  return reason.trim();
}

/** Checks a typed value (or operator text) against the flag and returns it in the flag's type. */
export function checkFlagValue(definition: FlagDefinition, input: FlagValue | string): FlagValue {
  const value = typeof input === 'string' && definition.type !== 'string' ? parseFlagInput(definition, input) : input;
  const problem = value === null ? `${definition.name} takes ${definition.type === 'boolean' ? 'true or false' : 'a whole number'}` : valueProblem(definition, value);
  if (problem) throw new GatehouseError('USAGE', `bad value "${String(input)}": ${problem}`);
  return value as FlagValue;
}

/** The expected stored value as JSON text, read in the flag's type; undefined when the change expects nothing. */
function expectedJson(definition: FlagDefinition, expected: FlagValue | string | null | undefined): string | null | undefined {
  if (expected === undefined || expected === null) return expected;
  const value = typeof expected === 'string' && definition.type !== 'string' ? parseFlagInput(definition, expected) : expected;
  if (value === null) throw new GatehouseError('USAGE', `bad expected value "${String(expected)}": ${definition.name} takes ${definition.type === 'boolean' ? 'true or false' : 'a whole number'}`);
  return JSON.stringify(value);
}

/** A kill holds its flag off (a kill switch on) and nothing else: a kill that turned something on would be no kill. */
function checkKill(definition: FlagDefinition, scope: string, value: FlagValue): void {
  if (scope !== KILL_SCOPE) return;
  const killed = killedPosition(definition);
  if (killed === null) throw new GatehouseError('USAGE', `${definition.name} takes a ${definition.type === 'integer' ? 'number' : 'choice'}, which has no off position to kill it at`, { hint: 'set it globally instead' });
  if (value !== killed) throw new GatehouseError('USAGE', `a kill holds ${definition.name} at ${String(killed)}, not ${String(value)}`, { hint: { cli: `to lift the kill: gatehouse flags unset ${definition.name} --scope kill --reason "why"`, console: `to lift the kill, unset ${definition.name}'s kill scope on the Flags page, with a reason` } });
}

/** What a flag change needs of a store: its queries; a whole store also what a halt's request takes (halt-requests.ts). */
type FlagWriteStore = Pick<Store, 'queries'> & Partial<HaltRequestStore>;

/** Every change of a flag, stored with its audit event; HALT_UPDATES being set also reaches a run holding SQLite's write lock (withHaltRequest). */
function changed(store: FlagWriteStore, change: FlagChange): Promise<FlagEvent> {
  const write = () => flagStore(store).change(change);
  // A rollout's stage sets flags inside its own write transaction: it holds the lock, no run can.
  return store.writerNotes === undefined ? write() : withHaltRequest(store as HaltRequestStore, change, write);
}

export async function setFlag(store: FlagWriteStore, request: FlagChangeRequest & { value: FlagValue | string }): Promise<FlagEvent> {
  const definition = knownFlag(request.flag);
  const value = checkFlagValue(definition, request.value);
  const scope = parseScope(request.scope);
  checkKill(definition, scope, value);
  return changed(store, {
    flag: definition.name,
    scope,
    valueJson: JSON.stringify(value),
    actor: actorName(request.operator),
    reason: requiredReason(request.reason),
    at: (request.now ?? new Date()).toISOString(),
    expectedJson: expectedJson(definition, request.expected),
  });
}

export async function unsetFlag(store: Store, request: FlagChangeRequest): Promise<FlagEvent> {
  const definition = knownFlag(request.flag);
  return changed(store, {
    flag: definition.name,
    scope: parseScope(request.scope),
    valueJson: null,
    actor: actorName(request.operator),
    reason: requiredReason(request.reason),
    at: (request.now ?? new Date()).toISOString(),
    expectedJson: expectedJson(definition, request.expected),
  });
}

/**
 * Puts back the value a flag had before event `eventId` (or removes it, if it had none). With
 * `expected`, refused with CONFLICT like a set when the flag has been changed since the trail the
 * operator looked at (an old event's value would otherwise overwrite a newer change unseen).
 */
export async function revertFlagEvent(store: Store, eventId: number, request: Omit<FlagChangeRequest, 'flag' | 'scope'>): Promise<FlagEvent> {
  const event = await flagStore(store).event(eventId);
  if (!event) throw new GatehouseError('NOT_FOUND', `flag event ${eventId} does not exist`, { hint: { cli: 'see `gatehouse flags history`', console: 'the Flags page\'s history lists the flag events' } });
  return changed(store, {
    flag: event.flag,
    scope: event.scope,
    valueJson: event.oldJson,
    revertsEventId: event.id,
    actor: actorName(request.operator),
    reason: requiredReason(request.reason),
    at: (request.now ?? new Date()).toISOString(),
    // An event of a flag since removed can still be reverted blind; only an expectation needs its type.
    expectedJson: request.expected === undefined ? undefined : expectedJson(knownFlag(event.flag), request.expected),
  });
}

/** A stored flag value as JSON text, read back; a value that no longer parses reads as none. */
export function parseStoredValue(json: string | null): FlagValue | null {
  if (json === null) return null;
  try {
    return JSON.parse(json) as FlagValue;
  } catch {
    return null;
  }
}

/** An audit event as the API and the CLI both show it: values, not JSON text. */
/** A query of the audit trail with its flag known and its scope parsed: a misspelt one is refused, never answered with an empty trail. */
export function flagHistoryQuery<Query extends { flag?: string | undefined; scope?: string | undefined }>(query: Query): Query {
  if (query.flag !== undefined) knownFlag(query.flag);
  return query.scope === undefined ? query : { ...query, scope: parseScope(query.scope) };
}

/** Keys in the contract's order (flagEventSchema): `flags set|unset|revert --json` print this, and must read as the API's answer. */
export function flagEventView(event: FlagEvent): FlagEventView {
  // The column keeps its first name (rows written before stay readable); everyone reading the audit sees `operator`, as on every other audit row.
  const { id, flag, scope, oldJson, newJson, actor, reason, at, revertsEventId } = event;
  return { id, flag, scope, oldValue: parseStoredValue(oldJson), newValue: parseStoredValue(newJson), operator: actor, reason, at, revertsEventId, changed: !sameJson(oldJson, newJson) };
}
