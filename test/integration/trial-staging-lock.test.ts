import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import { afterAll, describe, expect, it } from 'vitest';
import { parseTrialSpec, runTrials, seedSyntheticHistory, type TrialOutcome } from '../../main/trials/index.js';
import { testBackends, type TestBackend } from '../helpers/backends.js';

const backends = testBackends();
afterAll(() => Promise.all(backends.map((backend) => backend.cleanup())));

/** Five weeks of daily runs in a session period, through the real engine. */
async function seededSource(backend: TestBackend): Promise<string> {
  const source = await backend.freshLocation();
  const store = await backend.open(source);
  try {
    await seedSyntheticHistory(store, { days: 35, firstDay: new Date('2025-02-24T00:00:00Z') });
  } finally {
    await store.close();
  }
  return source;
}

async function ledgerOf(backend: TestBackend, staging: string) {
  const store = await backend.open(staging);
  try {
    return await store.trials.list();
  } finally {
    await store.close();
  }
}

describe.each(backends)('trial sessions sharing a staging target ($name)', (backend) => {
  it('refuses a second trial while one runs on the same staging target, and every trial of the first stays in the ledger', async () => {
    const source = await seededSource(backend);
    const staging = await backend.freshLocation();
    let second: Promise<{ outcome: TrialOutcome } | { error: unknown }> | null = null;
    const first = await runTrials({
      source,
      staging,
      injections: ['spike', 'drop', 'spike'].map(parseTrialSpec),
      controls: 3,
      // The second starts while the first has trials to go: it would copy a fresh staging over the first's.
      onProgress: ({ phase, done }) => {
        if (phase === 'trials' && done === 1 && second === null) {
          // Settled into a value at once: its refusal arrives while the first still runs.
          second = runTrials({ source, staging, injections: [parseTrialSpec('zero-volume')], controls: 1 }).then((outcome) => ({ outcome }), (error: unknown) => ({ error }));
        }
      },
    });
    expect(second).not.toBeNull();
    expect(await second).toMatchObject({ error: { code: 'CONFLICT', message: expect.stringMatching(/in use by another trial/) } });

    expect(first.trials).toHaveLength(6);
    expect(first.ledger.trials).toBe(6);
    const ledger = await ledgerOf(backend, staging);
    expect(ledger.map((trial) => trial.runId)).toEqual(first.trials.map((trial) => trial.runId));

    // Once the first has ended, the next session runs and keeps the whole ledger.
    const next = await runTrials({ source, staging, injections: [], controls: 1 });
    expect(next).toMatchObject({ keptTrials: 6, ledger: { trials: 7 } });
  }, 120_000);
});

describe('a trial interrupted mid-way (SQLite)', () => {
  it('leaves a lock naming a dead process, which the next trial takes over', async () => {
    const [backend] = backends;
    const source = await seededSource(backend!);
    const staging = await backend!.freshLocation();
    const dead = spawnSync(process.execPath, ['-e', '']).pid!;
    fs.writeFileSync(`${staging}.trial-lock`, JSON.stringify({ pid: dead, host: os.hostname(), since: '2026-01-01T00:00:00.000Z' }));
    const outcome = await runTrials({ source, staging, injections: [], controls: 1 });
    expect(outcome.ledger.trials).toBe(1);
    expect(fs.existsSync(`${staging}.trial-lock`)).toBe(false);
  }, 60_000);
});
