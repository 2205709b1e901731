import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { testBackends } from '../helpers/backends.js';

/**
 * Support staff's audit trail: who started each run (migration 036), who took or pruned each
 * snapshot, and every restore announced like a rollback — with who, why, which snapshot and what it
 * replaced — each time, never folded by the hourly throttle. A run's starter was only in the writer
 * lock while it held it; a snapshot taken or pruned left no name; a restore sent nothing at all.
 */
describe.each(testBackends())('the operator audit trail, on $name', (backend) => {
  afterAll(() => backend.cleanup());

  const json = <T>(args: string[]): T => {
    const result = runCli([...args, '--json']);
    expect(result.code, result.stderr).toBe(0);
    return JSON.parse(result.stdout) as T;
  };
  type Listing = { snapshots: { id: string; kind: string; takenBy: string | null }[] };

  it('names who started a run, took or pruned a snapshot, and announces each restore; the starter survives the restore', async () => {
    const db = await backend.freshLocation();
    const first = json<{ runId: number; startedBy: string }>(['update', '--db', db, '--source', 'synthetic:seed=1,count=20', '--operator', 'ada']);
    expect(first.startedBy).toBe('ada');
    const taken = json<{ id: string }>(['backups', 'create', '--db', db, '--operator', 'bo']);
    const second = json<{ runId: number; startedBy: string }>(['update', '--db', db, '--source', 'synthetic:seed=2,count=10']);
    // No --operator: the OS user, as the writer lock names it.
    expect(second.startedBy).toEqual(expect.any(String));

    const restores = ['bad feed', 'again, to be sure'].map((reason) => runCli(['restore', '--db', db, '--backup', taken.id, '--reason', reason, '--operator', 'grace']));
    for (const [index, restore] of restores.entries()) {
      expect(restore.code, restore.stderr).toBe(0);
      // Announced every time, even twice within the hour: an operator's act, not a repeating alarm.
      expect(restore.stderr).toMatch(new RegExp(`the database was restored from snapshot ${taken.id} — by grace: ${index === 0 ? 'bad feed' : 'again, to be sure'}; .*replaced the database, hearings \\d+ → 20; what it replaced is kept as snapshot \\S+; recorded as restore ${index + 1}`));
    }

    // The restored run keeps its starter; the one after the snapshot went with the restore.
    expect(json<{ startedBy: string | null }>(['runs', 'show', String(first.runId), '--db', db]).startedBy).toBe('ada');
    const listing = json<Listing>(['backups', 'list', '--db', db]);
    expect(listing.snapshots.find((s) => s.id === taken.id)?.takenBy).toBe('bo');
    expect(listing.snapshots.filter((s) => s.kind === 'safety').map((s) => s.takenBy)).toEqual(['grace', 'grace']);

    const pruned = json<{ pruned: { id: string }[] }>(['backups', 'prune', '--db', db, '--keep', '1', '--operator', 'cy', '--reason', 'disk nearly full']);
    expect(pruned.pruned.length).toBeGreaterThan(0);
    const attempts = json<{ operation: string; operator: string | null; outcome: string; detail: string | null }[]>(['backups', 'attempts', '--db', db]);
    expect(attempts[0]).toMatchObject({ operation: 'a snapshot prune', operator: 'cy', outcome: 'succeeded', detail: `pruned ${pruned.pruned.map((s) => s.id).join(', ')}; 1 left; reason: disk nearly full` });
    expect(attempts.at(-1)).toMatchObject({ operation: `the taking of snapshot ${taken.id}`, operator: 'bo', outcome: 'succeeded' });
  }, 180_000);

  it('announces no restore that did not happen: an unknown snapshot, a blank operator', async () => {
    const db = await backend.freshLocation();
    json(['update', '--db', db, '--source', 'synthetic:seed=1,count=5', '--operator', 'ada']);
    const unknown = runCli(['restore', '--db', db, '--backup', 'no-such-snapshot', '--reason', 'why', '--operator', 'grace']);
    expect(unknown.code).not.toBe(0);
    const blank = runCli(['restore', '--db', db, '--backup', 'no-such-snapshot', '--reason', 'why', '--operator', '   ']);
    expect(blank.code).toBe(2);
    for (const refused of [unknown, blank]) expect(refused.stderr).not.toContain('was restored');
  }, 120_000);
});
