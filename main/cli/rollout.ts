import type { Command } from 'commander';
import * as z from 'zod';
import { noControlWarning, ROLLOUT_STAGES, rolloutActInputSchema, rolloutDecideInputSchema, rolloutStartInputSchema, rolloutsGetInputSchema, rolloutsListInputSchema, type GuardrailResult, type RolloutDetail, type RolloutView } from '../../shared/api-rollouts.js';
import { GatehouseError } from '../../shared/errors.js';
import { counted } from '../../shared/plural.js';
import { guardrailValueText } from '../../shared/guardrail-values.js';
import { actorName } from '../flags/index.js';
import { abortRollout, decideRollout, parseStageSpec, pauseRollout, rolloutDetail, rolloutLedger, rolloutStatus, startRollout } from '../rollouts/index.js';
import { withStore } from './database.js';
import { collectRepeated, parseOptions, POSITIONAL_IDS, withOperator } from './input.js';
import { printApiJson, printTable, terminalText } from './output.js';

interface RolloutOptions {
  db?: string;
  json?: boolean;
  operator?: string;
  reason?: string;
  name?: string;
  flag?: string[];
  canaryTask?: string;
  stages?: string;
  threshold?: string;
  autoPromote?: boolean;
  decision?: string;
  from?: string;
  withoutControl?: string;
  limit?: string;
  after?: string;
}

function common(command: Command): Command {
  return command.option('--db <db>', 'SQLite file path or postgres:// URL (default: $GATEHOUSE_DB)').option('--json', 'print JSON');
}

/** `FLAG=VALUE`: the value is typed by the flag itself (true, 200, text). */
function parseFlagChange(text: string): { flag: string; value: string } {
  const match = /^\s*([A-Za-z0-9_]+)\s*=\s*(.+?)\s*$/.exec(text);
  if (!match) throw new GatehouseError('USAGE', `--flag takes FLAG=VALUE, e.g. ENABLE_BATCH_PROCESSING=true; got "${text}"`);
  return { flag: match[1]!, value: match[2]! };
}

const timeThresholdSchema = rolloutStartInputSchema.shape.timeThreshold.unwrap();

/**
 * `--threshold 10` (percent) or `--threshold 10%`, as the fraction the API takes, judged by the
 * API's own rule — and refused in the percent it was typed in, naming the option as typed (the
 * schema's field, `timeThreshold`, is a fraction no operator wrote).
 */
function parseThreshold(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const match = /^\s*(\d+(?:\.\d+)?)\s*%?\s*$/.exec(text);
  const fraction = match ? Number(match[1]) / 100 : Number.NaN;
  if (!timeThresholdSchema.safeParse(fraction).success) {
    throw new GatehouseError('USAGE', `--threshold takes a percentage above 0 and at most ${(timeThresholdSchema.maxValue ?? 0) * 100}, such as 10; got "${text}"`);
  }
  return fraction;
}

/**
 * Proceed widens what runs the change: a promotion typed without the stage it promotes from would
 * land on whatever stage the rollout reached meanwhile (another operator's promotion seconds
 * before), one nobody looked at. The console sends the stage it showed; the command line names it.
 */
function proceedNeedsFrom(rolloutId: number): GatehouseError {
  return new GatehouseError('USAGE', `rollout promote needs --from STAGE to proceed: the stage you are promoting from (see gatehouse rollout status ${rolloutId}), so a promotion never lands on a stage you did not see`);
}


function stageLine(rollout: RolloutView): string {
  const stage = rollout.stages[rollout.stageIndex]!;
  return `${stage.stage} (${rollout.stageIndex + 1}/${rollout.stages.length}, window ${stage.windowHours} h, min ${counted(stage.minRuns, 'run')}, since ${rollout.stageStartedAt})`;
}

/** In the units the console and the gate reports show (`--json` keeps the raw log ratios and rates). */
function guardrailRow(g: GuardrailResult): (string | null)[] {
  const show = (v: number | null) => (v === null ? null : guardrailValueText(g.name, v));
  return [g.name, g.status, show(g.difference), g.low === null ? null : `[${show(g.low)}, ${show(g.high)}]`, show(g.limit), g.summary];
}

function printDetail(detail: RolloutDetail): void {
  // A name stored before names refused control characters is shown with them as escapes.
  process.stdout.write(`rollout ${detail.id} "${terminalText(detail.name, { oneLine: true })}": ${detail.state}, stage ${stageLine(detail)}\n`);
  process.stdout.write(`flags: ${detail.flagChanges.map((c) => `${c.flag}=${JSON.stringify(c.value)}`).join(', ')}; canary task: ${detail.canaryTask ?? '—'}; auto-promote: ${detail.autoPromote ? 'yes' : 'no'}\n`);
  if (detail.latest) {
    process.stdout.write(`\nguardrails (canary runs ${detail.latest.canaryRuns.length}, control runs ${detail.latest.controlRuns.length}):\n`);
    printTable(['guardrail', 'status', 'difference', 'interval', 'limit', 'what'], detail.latest.guardrails.map(guardrailRow));
    const noControl = noControlWarning(detail.latest);
    if (noControl !== null) process.stdout.write(`${noControl}\n`);
    if (detail.latest.canaryTaskDisabled !== undefined) process.stdout.write(`warning: ${detail.latest.canaryTaskDisabled}\n`);
  }
  process.stdout.write('\nledger:\n');
  printTable(['#', 'at', 'stage', 'kind', 'decision', 'who', 'run', 'reason'], detail.ledger.map((e) => [e.id, e.at, e.stage, e.kind, e.decision, e.operator, e.runId, e.reason]));
}

type RolloutChange = 'rollouts.start' | 'rollouts.decide' | 'rollouts.pause' | 'rollouts.abort';

/** The rollout as the change left it, as the API's method of the same change answers. */
async function printResult(method: RolloutChange, db: string | undefined, json: boolean | undefined, work: Parameters<typeof withStore>[1]): Promise<void> {
  await withStore(db, async (store) => {
    const rollout = (await work(store)) as RolloutView;
    const detail = await rolloutDetail(store, rollout.id, new Date());
    if (json) printApiJson(method, detail);
    else printDetail(detail);
  });
}

export function registerRolloutCommands(program: Command): void {
  const rollout = program.command('rollout').description('guarded rollouts: flag changes staged canary → all tasks → monitoring, reverted by themselves on a breach');

  common(
    rollout
      .command('start')
      .description('start a rollout: applies the first stage\'s flag changes (audited)')
      .requiredOption('--flag <FLAG=VALUE>', 'a flag change (repeatable)', collectRepeated)
      .option('--name <text>', 'what is being rolled out (default: the flag changes)')
      .option('--canary-task <name>', 'the scheduled task that goes first (needed with a canary stage)')
      .option('--stages <spec>', 'STAGE:HOURS:MIN_RUNS,… from deployed, canary, all, monitoring (default deployed:2:1,canary:48:3,all:24:3,monitoring:48:3)')
      .option('--threshold <percent>', 'per-record time regression that breaches (default 10)')
      .option('--auto-promote', 'promote by itself when a stage\'s window passes clean')
      .option('--reason <text>', 'why (required)')
      .option('--operator <name>', 'who starts it (default: the OS user)'),
  ).action(async (options: RolloutOptions) => {
    const flagChanges = (options.flag ?? []).map(parseFlagChange);
    const input = parseOptions(withOperator(rolloutStartInputSchema.extend({ flagChanges: z.array(z.object({ flag: z.string(), value: z.string() })).min(1) })), {
      name: options.name ?? flagChanges.map((c) => `${c.flag}=${c.value}`).join(', '),
      flagChanges,
      canaryTask: options.canaryTask,
      stages: options.stages === undefined ? undefined : parseStageSpec(options.stages),
      timeThreshold: parseThreshold(options.threshold),
      autoPromote: options.autoPromote ?? false,
      reason: options.reason,
      operator: options.operator,
    });
    await printResult('rollouts.start', options.db, options.json, (store) => startRollout(store, input, { operator: actorName(input.operator), now: new Date() }));
  });

  common(rollout.command('status [id]').description('where a rollout stands (default: the newest; none started: null with --json, exit 0), its guardrails now, and its ledger')).action(async (id: string | undefined, options: RolloutOptions) => {
    const { rolloutId } = parseOptions(rolloutsGetInputSchema, { rolloutId: id }, POSITIONAL_IDS);
    await withStore(options.db, async (store) => {
      const detail = await rolloutStatus(store, rolloutId, new Date());
      if (options.json) printApiJson('rollouts.get', detail);
      else if (detail === null) process.stdout.write('no rollout has been started (start one with `gatehouse rollout start`)\n');
      else printDetail(detail);
    });
  });

  common(
    rollout
      .command('list')
      .description('rollouts, newest first')
      .option('--limit <n>', 'how many (default 500)')
      .option('--after <id>', 'the next page: rollouts older than this one'),
  ).action(async (options: RolloutOptions) =>
    withStore(options.db, async (store) => {
      const rollouts = await rolloutLedger(store).list(parseOptions(rolloutsListInputSchema, { limit: options.limit, after: options.after }));
      if (options.json) return printApiJson('rollouts.list', rollouts);
      printTable(['id', 'name', 'state', 'stage', 'canary task', 'started', 'by'], rollouts.map((r) => [r.id, r.name, r.state, r.stages[r.stageIndex]!.stage, r.canaryTask, r.startedAt, r.operator]));
    }),
  );

  common(
    rollout
      .command('promote <id>')
      .description('a typed decision: proceed (next stage; a paused rollout is resumed with `rollout resume`), iterate (revert and hold), roll_back (revert and end)')
      .option('--decision <decision>', 'proceed | iterate | roll_back (default proceed)')
      .option('--from <stage>', `the stage you decide on, as \`rollout status\` shows it (${ROLLOUT_STAGES.join(', ')}; required to proceed): refused if the rollout has moved on`)
      .option('--reason <text>', 'why (required)')
      .option('--without-control <why>', 'promote a canary that has no control (every control task runs its values; refused without this), saying why: kept in the ledger')
      .option('--operator <name>', 'who decides (default: the OS user)'),
  ).action(async (id: string, options: RolloutOptions) => {
    const input = parseOptions(
      withOperator(rolloutDecideInputSchema),
      { rolloutId: id, decision: options.decision ?? 'proceed', fromStage: options.from, reason: options.reason, withoutControl: options.withoutControl, operator: options.operator },
      { ...POSITIONAL_IDS, fromStage: '--from', withoutControl: '--without-control' },
    );
    if (input.decision === 'proceed' && input.fromStage === undefined) throw proceedNeedsFrom(input.rolloutId);
    await printResult('rollouts.decide', options.db, options.json, (store) => decideRollout(store, input, { operator: actorName(input.operator), now: new Date() }));
  });

  // Resume says the state the operator saw, as the console's Proceed does: two operators resuming the same
  // paused rollout, or one resuming a rollout promoted meanwhile, must not promote it a stage nobody saw.
  common(
    rollout
      .command('resume <id>')
      .description('resume a paused rollout in its stage, applying that stage\'s flags again (refused unless it is paused)')
      .option('--from <stage>', `the stage you saw it paused in (${ROLLOUT_STAGES.join(', ')}): refused if it has moved on`)
      .option('--reason <text>', 'why (required)')
      .option('--operator <name>', 'who decides (default: the OS user)'),
  ).action(async (id: string, options: RolloutOptions) => {
    const input = parseOptions(
      withOperator(rolloutDecideInputSchema),
      { rolloutId: id, decision: 'proceed', fromStage: options.from, fromState: 'paused', reason: options.reason, operator: options.operator },
      { ...POSITIONAL_IDS, fromStage: '--from' },
    );
    await printResult('rollouts.decide', options.db, options.json, (store) => decideRollout(store, input, { operator: actorName(input.operator), now: new Date() }));
  });

  for (const [name, description, act, method] of [
    ['pause', 'hold an active rollout where it is (flags stay; no checks, no promotion)', pauseRollout, 'rollouts.pause'],
    ['abort', 'end a rollout and put its flags back (audited)', abortRollout, 'rollouts.abort'],
  ] as const) {
    common(rollout.command(`${name} <id>`).description(description).option('--reason <text>', 'why (required)').option('--operator <name>', 'who (default: the OS user)')).action(
      async (id: string, options: RolloutOptions) => {
        const input = parseOptions(withOperator(rolloutActInputSchema), { rolloutId: id, reason: options.reason, operator: options.operator }, POSITIONAL_IDS);
        await printResult(method, options.db, options.json, (store) => act(store, input, { operator: actorName(input.operator), now: new Date() }));
      },
    );
  }
}
