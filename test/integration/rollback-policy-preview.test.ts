import { afterAll, describe, expect, it } from 'vitest';
import { createApi, createInProcessEngineHost, dispatch } from '../../main/api/index.js';
import { rollback } from '../../main/backup/index.js';
import { runUpdate } from '../../main/engine/index.js';
import type { Store } from '../../main/store/index.js';
import { CONFLICT_POLICIES, CONFLICT_POLICY_CHOICES, type ConflictPolicy, type RollbackReportView } from '../../shared/api-operations.js';
import { testBackends, type TestBackend } from '../helpers/backends.js';
import { operatorCaller, tester } from '../helpers/callers.js';
import { runCli } from '../helpers/cli.js';
import { arraySource, hearingRecords } from '../helpers/records.js';

/**
 * Before confirming a rollback, support saw how many hearings conflicted (and each one's message)
 * but not which later runs changed them, nor what refuse, skip and force would each do: the
 * console re-ran the dry run per choice, the CLI said "see them with --dry-run". The report now
 * carries both (conflictSummary, policies), from the one decision the rollback itself makes.
 */
const revised = (i: number) => ({ title: `Revised oversight hearing ${i}` });

/** Run 1 writes 30 hearings; run 2 changes the first 10 again, run 3 changes 4 (two of them run 2's too). */
async function withLaterRuns(backend: TestBackend, work: (store: Store, location: string) => Promise<void>): Promise<void> {
  const location = await backend.freshLocation();
  const store = await backend.open(location);
  try {
    await runUpdate({ store, source: arraySource(hearingRecords(30, 300000)), batchSize: 10 });
    await runUpdate({ store, source: arraySource(hearingRecords(10, 300000, revised)) });
    await runUpdate({ store, source: arraySource(hearingRecords(4, 300008, (i) => ({ title: `Third look at ${i}` }))) });
    await work(store, location);
  } finally {
    await store.close();
  }
}

const summary = { hearings: 12, laterRuns: [{ runId: 2, hearings: 10 }, { runId: 3, hearings: 4 }], changedOtherwise: 0, bringBackUndone: 0 };

/** What a dry run under `policy` (or the rollback itself) did, in a policy outcome's terms. */
function asOutcome(report: RollbackReportView) {
  return { refused: report.wouldRefuse, nothingToDo: report.nothingToDo, undone: report.counts.restored + report.counts.deleted, skipped: report.counts.skipped, forced: report.counts.forced };
}

describe.each(testBackends())('what each conflict policy would do, before it is confirmed, on $name', (backend) => {
  afterAll(() => backend.cleanup());

  it('names the later runs and says what refuse, skip and force would each do, and each does just that', async () => {
    await withLaterRuns(backend, async (store) => {
      const preview = await rollback(store, { runId: 1, dryRun: true });
      expect(preview.conflictSummary).toEqual(summary);
      expect(preview.policies).toEqual([
        { policy: 'refuse', refused: true, nothingToDo: false, undone: 0, skipped: 0, forced: 0, message: 'refuse: refused, nothing changes — 12 hearings changed since (run 2 (10), run 3 (4))' },
        { policy: 'skip', refused: false, nothingToDo: false, undone: 18, skipped: 12, forced: 0, message: 'skip: undoes 18 hearings, leaving the 12 hearings changed since (run 2 (10), run 3 (4)) as they are now' },
        { policy: 'force', refused: false, nothingToDo: false, undone: 30, skipped: 0, forced: 12, message: 'force: undoes 30 hearings, discarding the later changes to the 12 hearings changed since (run 2 (10), run 3 (4))' },
      ]);
      for (const policy of CONFLICT_POLICIES.filter((p) => p !== 'refuse')) {
        const dryRun = await rollback(store, { runId: 1, dryRun: true, onConflict: policy });
        expect(dryRun.policies).toEqual(preview.policies);
        const { policy: _policy, message: _message, ...said } = preview.policies.find((p) => p.policy === policy)!;
        expect(asOutcome(dryRun)).toEqual(said);
      }
      // Refused for real, the error says who changed them and what the other two choices would do.
      await expect(rollback(store, { runId: 1, reason: 'bad feed', operator: 'ada' })).rejects.toMatchObject({
        code: 'CONFLICT',
        message: expect.stringContaining('(by run 2 (10), run 3 (4)); nothing was changed'),
        hint: expect.stringContaining('--on-conflict skip: undoes 18 hearings'),
      });
      const skipped = await rollback(store, { runId: 1, reason: 'bad feed', operator: 'ada', onConflict: 'skip' });
      expect(asOutcome(skipped)).toEqual({ refused: false, nothingToDo: false, undone: 18, skipped: 12, forced: 0 });
      // What the skip left: refuse and skip find nothing to do; force would take the 12.
      const after = await rollback(store, { runId: 1, dryRun: true });
      expect(after.policies.map(({ policy, nothingToDo, undone, forced }) => ({ policy, nothingToDo, undone, forced }))).toEqual([
        { policy: 'refuse', nothingToDo: true, undone: 0, forced: 0 },
        { policy: 'skip', nothingToDo: true, undone: 0, forced: 0 },
        { policy: 'force', nothingToDo: false, undone: 12, forced: 12 },
      ]);
      const forced = await rollback(store, { runId: 1, reason: 'bad feed, all of it', operator: 'ada', onConflict: 'force' });
      expect(asOutcome(forced)).toEqual({ refused: false, nothingToDo: false, undone: 12, skipped: 0, forced: 12 });
      expect(await store.countHearings()).toBe(0);
    });
  });

  it('gives the console (rollback.preview) and the CLI (--dry-run, text and JSON) the same summary and choices', async () => {
    await withLaterRuns(backend, async (store, location) => {
      const engine = createInProcessEngineHost({ location });
      try {
        const api = createApi({ store, engine, transport: 'http', databaseLocation: location });
        const preview = await dispatch(api, 'rollback.preview', { runId: 1, batchSeq: 1, onConflict: 'skip' }, tester);
        const batchSummary = { hearings: 10, laterRuns: [{ runId: 2, hearings: 10 }, { runId: 3, hearings: 2 }], changedOtherwise: 0, bringBackUndone: 0 };
        expect(preview).toMatchObject({ ok: true, data: { conflictSummary: batchSummary, policies: [{ policy: 'refuse', refused: true }, { policy: 'skip', undone: 0, skipped: 10 }, { policy: 'force', undone: 10, forced: 10 }] } });
        const json = runCli(['rollback', '--db', location, '--run', '1', '--batch', '1', '--on-conflict', 'skip', '--dry-run', '--json']);
        expect(JSON.parse(json.stdout)).toMatchObject({ conflictSummary: (preview as { data: RollbackReportView }).data.conflictSummary, policies: (preview as { data: RollbackReportView }).data.policies });
        const text = runCli(['rollback', '--db', location, '--run', '1', '--batch', '1', '--on-conflict', 'skip', '--dry-run']).stdout;
        expect(text).toContain('10 conflicting hearings, changed since by run 2 (10), run 3 (2)');
        expect(text).toContain('what each --on-conflict would do:\n  refuse: refused, nothing changes');
        expect(text).toContain('  skip: undoes nothing, leaving the 10 hearings changed since (run 2 (10), run 3 (2)) as they are now  (chosen)\n');
        expect(text).toContain('  force: undoes 10 hearings, discarding the later changes');
      } finally {
        await engine.close();
      }
    });
  });

  it('words the conflict choices in the console as its dialog names them, in the CLI as flags: one sentence, two wordings', async () => {
    await withLaterRuns(backend, async (store, location) => {
      const engine = createInProcessEngineHost({ location });
      try {
        const api = createApi({ store, engine, transport: 'http', databaseLocation: location });
        // The policy as each reader picks it, and the run's new status as each shows it (the CLI's token, the console's badge).
        const inConsoleWords = (text: string) => text
          .replaceAll(/--on-conflict (skip|force)/g, (_all, policy: ConflictPolicy) => `“${CONFLICT_POLICY_CHOICES[policy]}”`)
          .replaceAll(/ rolled_back\b/g, ' rolled back');
        const bothWordings = async (target: { runId: number; batchSeq: number | null; onConflict: ConflictPolicy }) => {
          const preview = await dispatch(api, 'rollback.preview', target, tester);
          expect(preview.ok).toBe(true);
          const cli = await rollback(store, { ...target, dryRun: true });
          return { console: (preview as { data: RollbackReportView }).data.message, cli: cli.message };
        };
        // Refused as chosen (whole run); nothing undone under skip (batch 1); and what a skip left behind.
        const refused = await bothWordings({ runId: 1, batchSeq: null, onConflict: 'refuse' });
        expect(refused.cli).toContain('12 conflicts; with --on-conflict skip it would restore');
        expect(refused.console).toContain('12 conflicts; with “skip it (leave it as it is now)” it would restore');
        const nothing = await bothWordings({ runId: 1, batchSeq: 1, onConflict: 'skip' });
        expect(nothing.cli).toMatch(/would undo nothing: .* left as they are by --on-conflict skip; .*; --on-conflict force restores them$/);
        expect(nothing.console).toMatch(/would undo nothing: .* left as they are by “skip it \(leave it as it is now\)”; .*; “restore it anyway \(discard the later change\)” restores them$/);
        const applied = await dispatch(api, 'rollback.apply', { runId: 1, batchSeq: 1, onConflict: 'skip', reason: 'bad feed', confirmRunId: 1 }, operatorCaller('ada'));
        expect((applied as { ok: true; data: RollbackReportView }).data.message).toContain('undid nothing: all 10 hearings it wrote were changed again later (by run 2, 3) and are left as they are by “skip it');
        const left = await bothWordings({ runId: 1, batchSeq: 1, onConflict: 'skip' });
        expect(left.cli).toContain('except 10 conflicting hearings left as they are by --on-conflict skip; nothing to do (--on-conflict force restores them)');
        for (const said of [refused, nothing, left]) {
          expect(said.console).not.toContain('--on-conflict');
          expect(said.console).toBe(inConsoleWords(said.cli));
        }
        // The CLI prints its own wording; the rollback event stores counts, not either sentence.
        expect(runCli(['rollback', '--db', location, '--run', '1', '--batch', '1', '--on-conflict', 'skip', '--dry-run']).stdout).toContain(left.cli);
        const [event] = await api['rollback.events']({ runId: 1, limit: 10 }, tester);
        expect(event).toMatchObject({ batchSeq: 1, operator: 'ada', onConflict: 'skip', skipped: 10, restored: 0 });
        expect(JSON.stringify(event)).not.toContain('skip it');
      } finally {
        await engine.close();
      }
    });
  });

  it('says there are no conflicts, and that each policy undoes everything, when no later run touched the target', async () => {
    await withLaterRuns(backend, async (store) => {
      const preview = await rollback(store, { runId: 1, batchSeq: 3, dryRun: true });
      expect(preview.conflictSummary).toEqual({ hearings: 0, laterRuns: [], changedOtherwise: 0, bringBackUndone: 0 });
      expect(preview.policies.map((p) => [p.policy, p.refused, p.undone, p.message])).toEqual(CONFLICT_POLICIES.map((policy) => [policy, false, 10, `${policy}: undoes 10 hearings; no conflicts`]));
    });
  });
});
