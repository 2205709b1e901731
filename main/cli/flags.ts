import type { Command } from 'commander';
import { flagHistoryInputSchema, flagRevertInputSchema, flagSetInputSchema, flagUnsetInputSchema } from '../../shared/api-operations.js';
import { GatehouseError } from '../../shared/errors.js';
import {
  evaluateFlag,
  FLAG_DEFINITIONS,
  flagEventView,
  flagHistoryQuery,
  flagViews,
  parseScope,
  revertFlagEvent,
  setFlag,
  storedFlagView,
  taskOfScope,
  unsetFlag,
} from '../flags/index.js';
import { logger } from '../logging/index.js';
import { withStore } from './database.js';
import { parseOptions, POSITIONAL_IDS, withOperator } from './input.js';
import { printApiJson, printJson, printTable } from './output.js';
import { type FlagEvent, flagStore } from '../flags/index.js';
import type { Store } from '../store/index.js';

// Warnings go through the logger, as every other CLI warning: "gatehouse: warning: …" on stderr, and in the log.
const log = logger('flags');

/**
 * A value stored for a task nobody has scheduled or run (a kill switch aimed at "task:daly") is
 * kept, as asked: a task may be scheduled after its flags. But it governs no run yet, and a typo
 * would look like a kill that holds, so it is said, with the tasks the database knows.
 */
async function warnOfUnknownTask(store: Store, scope: string | undefined): Promise<void> {
  const task = taskOfScope(parseScope(scope));
  if (task === null) return;
  try {
    // Loaded only for a named task: listing flags should not compile the validator to start (bench/cli-start.ts).
    await (await import('../validation/index.js')).requireKnownTask(store, task);
  } catch (error) {
    if (!(error instanceof GatehouseError) || error.code !== 'NOT_FOUND') throw error;
    log.warn(`${error.message}: the value is stored, and governs only runs started with --task ${task}`);
  }
}

/** `--scope` checked before anything is opened, refused naming the option as typed (the API names its field). */
function scopeOption(options: FlagsOptions): string | undefined {
  if (options.scope !== undefined) parseScope(options.scope, '--scope');
  return options.scope;
}

interface FlagsOptions {
  db?: string;
  scope?: string;
  reason?: string;
  operator?: string;
  limit?: string;
  after?: string;
  expect?: string;
  json?: boolean;
}

/** `--expect none`: the change expects no stored value for the scope (every flag is a boolean or a number). */
function expectedOption(text: string | undefined): string | null | undefined {
  return text?.trim().toLowerCase() === 'none' ? null : text;
}

/**
 * A revert puts back the value from before its event, whatever was set since: reverting an old event
 * over another operator's later change discards that change. Without --expect it is done blind, as
 * asked (the console sends the value it showed, and is refused instead), but the later changes it
 * replaced are said, with how to refuse such a revert.
 */
async function warnOfChangesRevertedOver(store: Store, revert: FlagEvent, revertedId: number): Promise<void> {
  const view = flagEventView(revert);
  // A revert to what was stored already replaced nothing: the later change had done what it asks.
  if (!view.changed) return;
  const since = (await flagStore(store).history({ flag: revert.flag, scope: revert.scope, after: revert.id, limit: 200 })).filter((event) => event.id > revertedId).map(flagEventView).reverse();
  if (since.length === 0) return;
  const named = since.slice(-3).map((event) => `event ${event.id} by ${event.operator} at ${event.at}: ${show(event.oldValue)} → ${show(event.newValue)}`);
  const earlier = since.length > named.length ? `${since.length - named.length} more, then ` : '';
  log.warn(`${view.flag} [${view.scope}] was changed after event ${revertedId} (${earlier}${named.join('; ')}); this revert replaced ${show(view.oldValue)} with ${show(view.newValue)} — pass --expect VALUE to refuse a revert over a change you have not seen`);
}

function show(value: unknown): string {
  return value === null || value === undefined ? '(unset)' : JSON.stringify(value);
}

/**
 * The same JSON the API returns for a flag change: values, not JSON text. A change that changed
 * nothing in force is still recorded (the audit keeps who asked again and why), and says so: printed
 * as a plain change, "(unset) → (unset)" read as if something had happened.
 */
function printEvent(method: 'flags.set' | 'flags.unset' | 'flags.revert', event: FlagEvent, json: boolean | undefined): void {
  const view = flagEventView(event);
  if (json) return printApiJson(method, view);
  const notes = [
    ...(view.revertsEventId === null ? [] : [`reverts event ${view.revertsEventId}`]),
    ...(view.changed ? [] : [`nothing changed: ${view.newValue === null ? 'no value was stored' : `${show(view.newValue)} was stored already`}; the request is recorded`]),
  ];
  const noted = notes.length === 0 ? '' : ` (${notes.join('; ')})`;
  process.stdout.write(`event ${view.id}: ${view.flag} [${view.scope}] ${show(view.oldValue)} → ${show(view.newValue)}${noted} by ${view.operator}: ${view.reason}\n`);
}

function common(command: Command, extra: (c: Command) => Command = (c) => c): Command {
  return extra(command.option('--db <db>', 'SQLite file path or postgres:// URL (default: $GATEHOUSE_DB)').option('--json', 'print JSON'));
}

const EXPECT_OPTION = ['--expect <value>', 'change only if the value stored for the scope is still this (`none`: nothing stored); otherwise refuse with exit 2 and say who changed it'] as const;

function changeOptions(command: Command): Command {
  return command
    .option('--scope <scope>', 'global | kill | task:NAME (default global); kill: off for every task, whatever their own values')
    .option('--reason <text>', 'why (required: every change is audited)')
    .option('--operator <name>', 'who is making the change (default: the OS user)')
    .option(...EXPECT_OPTION);
}

export function registerFlagsCommand(program: Command): void {
  const flags = program.command('flags').description('feature flags: values in force, changes, and their audit trail');

  common(flags.command('list').description('every flag with its value in force for a scope'), (c) => c.option('--scope <scope>', 'global | task:NAME (default global)'))
    .action(async (options: FlagsOptions) => {
      const scope = scopeOption(options);
      return withStore(options.db, async (store) => {
        // The API's flags.list, whole: the same action prints the same JSON on both.
        const views = await flagViews(store, scope);
        if (options.json) return printApiJson('flags.list', views);
        printTable(
          ['flag', 'value', 'reason', 'from', 'default', 'kind', 'type'],
          views.map((v) => [v.name, show(v.inForce.value), v.inForce.reason + (v.inForce.errorMessage ? ` (${v.inForce.errorMessage})` : v.inForce.killed ? ` (${v.inForce.killed})` : ''), v.inForce.scope ?? null, show(v.defaultValue), v.kind, v.type]),
        );
      });
    });

  common(flags.command('get <flag>').description('one flag as evaluated, with the reason'), (c) => c.option('--scope <scope>', 'global | task:NAME (default global)'))
    .action(async (name: string, options: FlagsOptions) => {
      const scope = parseScope(scopeOption(options));
      return withStore(options.db, async (store) => {
        const resolution = await evaluateFlag(store, name, { task: taskOfScope(scope) });
        if (resolution.errorCode === 'FLAG_NOT_FOUND') throw new GatehouseError('NOT_FOUND', `unknown flag "${name}"`, { hint: 'see `gatehouse flags list`' });
        // Values, not JSON text: the same shape as a flag's scopes in the API's flags.list.
        const stored = (await flagStore(store).values(name)).map(storedFlagView);
        const result = { ...resolution, ...describe(name), stored };
        if (options.json) return printJson(result);
        process.stdout.write(`${name} = ${show(resolution.value)} (${resolution.reason}${resolution.scope ? ` from ${resolution.scope}` : ''}${resolution.errorMessage ? `: ${resolution.errorMessage}` : ''}${resolution.killed ? `: ${resolution.killed}` : ''})\n`);
      });
    });

  const positional = { ...POSITIONAL_IDS, flag: 'flag', value: 'value', expected: '--expect' };
  common(changeOptions(flags.command('set <flag> <value>').description('store a value for a scope (audited)')))
    .action(async (flag: string, value: string, options: FlagsOptions) => {
      const input = parseOptions(withOperator(flagSetInputSchema), { flag, value, scope: scopeOption(options), reason: options.reason, expected: expectedOption(options.expect), operator: options.operator }, positional);
      await withStore(options.db, async (store) => {
        printEvent('flags.set', await setFlag(store, input), options.json);
        await warnOfUnknownTask(store, input.scope);
      });
    });

  common(changeOptions(flags.command('unset <flag>').description('remove the value stored for a scope (audited)')))
    .action(async (flag: string, options: FlagsOptions) => {
      const input = parseOptions(withOperator(flagUnsetInputSchema), { flag, scope: scopeOption(options), reason: options.reason, expected: expectedOption(options.expect), operator: options.operator }, positional);
      await withStore(options.db, async (store) => printEvent('flags.unset', await unsetFlag(store, input), options.json));
    });

  common(
    flags
      .command('revert <event>')
      .description('put back the value a flag had before an audit event (itself audited)')
      .option('--reason <text>', 'why (required)')
      .option('--operator <name>', 'who is making the change (default: the OS user)')
      .option(...EXPECT_OPTION),
  ).action(async (eventId: string, options: FlagsOptions) => {
    const input = parseOptions(withOperator(flagRevertInputSchema), { eventId, reason: options.reason, expected: expectedOption(options.expect), operator: options.operator }, positional);
    await withStore(options.db, async (store) => {
      const revert = await revertFlagEvent(store, input.eventId, input);
      printEvent('flags.revert', revert, options.json);
      if (input.expected === undefined) await warnOfChangesRevertedOver(store, revert, input.eventId);
    });
  });

  common(
    flags
      .command('history [flag]')
      .description('audit events, newest first')
      .option('--scope <scope>', 'only this scope')
      .option('--limit <n>', 'how many events (default 200)')
      .option('--after <id>', 'the next page: events older than this one'),
  ).action(async (name: string | undefined, options: FlagsOptions) => {
    const { flag, scope } = flagHistoryQuery({ flag: name, scope: scopeOption(options) });
    const query = parseOptions(flagHistoryInputSchema, { flag, scope, limit: options.limit, after: options.after });
    await withStore(options.db, async (store) => {
      const events = (await flagStore(store).history(query)).map(flagEventView);
      if (options.json) return printApiJson('flags.history', events);
      printTable(['event', 'at', 'flag', 'scope', 'old', 'new', 'reverts', 'operator', 'reason'], events.map((e) => [e.id, e.at, e.flag, e.scope, show(e.oldValue), show(e.newValue), e.revertsEventId, e.operator, e.reason]));
    });
  });
}

function describe(name: string) {
  const d = FLAG_DEFINITIONS.find((f) => f.name === name);
  return d ? { type: d.type, kind: d.kind, defaultValue: d.defaultValue, description: d.description } : {};
}
