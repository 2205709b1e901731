import { describe, expect, it } from 'vitest';
import { LEVEL_SHIFT_SPAN, RUN_ANOMALY_KINDS, injectIntoSeries, injectRunAnomaly } from '../../../main/validation/index.js';
import type { RunMetrics } from '../../../shared/run.js';
import { magnitudeMeaning } from '../../../main/trials/specs.js';

const run: RunMetrics = { fetched: 200, added: 50, updated: 30, unchanged: 118, quarantined: 2, durationMs: 4000 };
const busyDay: RunMetrics = { fetched: 400, added: 100, updated: 60, unchanged: 238, quarantined: 2, durationMs: 7000 };

describe('run-level anomaly injection', () => {
  it.each(RUN_ANOMALY_KINDS)('%s keeps fetched = added + updated + unchanged + quarantined and leaves the input alone', (kind) => {
    const before = structuredClone(run);
    const out = injectRunAnomaly(run, { kind }, { busyDay });
    expect(out.fetched).toBe(out.added + out.updated + out.unchanged + out.quarantined);
    expect(Object.values(out).every((v) => Number.isInteger(v) && v >= 0)).toBe(true);
    expect(run).toEqual(before);
  });

  it('does what each kind says', () => {
    expect(injectRunAnomaly(run, { kind: 'spike', magnitude: 4 }).fetched).toBe(800);
    expect(injectRunAnomaly(run, { kind: 'drop' }).fetched).toBe(20);
    expect(injectRunAnomaly(run, { kind: 'zero-volume' }).fetched).toBe(0);
    expect(injectRunAnomaly(run, { kind: 'weekend-burst' }, { busyDay }).fetched).toBe(400);
    expect(injectRunAnomaly(run, { kind: 'mix-shift' })).toMatchObject({ added: 198, updated: 0, unchanged: 0 });
    expect(injectRunAnomaly(run, { kind: 'stale-source' })).toMatchObject({ added: 0, updated: 0, unchanged: 198 });
    expect(injectRunAnomaly(run, { kind: 'quarantine-surge' }).quarantined).toBe(50);
    expect(injectRunAnomaly({ ...run, fetched: 6, unchanged: 4, added: 1, updated: 1, quarantined: 0 }, { kind: 'quarantine-surge' }).quarantined).toBe(3);
    expect(injectRunAnomaly(run, { kind: 'duration-blowup' }).durationMs).toBe(20000);
  });

  it('shifts the level of the last runs of a series, not just one', () => {
    const series = Array.from({ length: 10 }, (_, i) => ({ startedAt: `2024-03-${String(i + 1).padStart(2, '0')}T06:00:00Z`, metrics: { ...run } }));
    const shifted = injectIntoSeries(series, { kind: 'level-shift', magnitude: 0.5 });
    expect(shifted.map((e) => e.metrics.fetched)).toEqual([...Array(10 - LEVEL_SHIFT_SPAN).fill(200), ...Array(LEVEL_SHIFT_SPAN).fill(100)]);
    expect(series[9]!.metrics.fetched).toBe(200);
  });
});

describe('what a kind\'s magnitude means, as the Trials page lists it', () => {
  it.each(RUN_ANOMALY_KINDS)('%s is said in words, naming no constant of the code', (kind) => {
    expect(magnitudeMeaning(kind)).not.toMatch(/\b[A-Z][A-Z0-9]*_[A-Z0-9_]+\b/);
  });

  it('says over how many runs a level shift holds', () => {
    expect(magnitudeMeaning('level-shift')).toMatch(new RegExp(`^volume factor held over the last ${LEVEL_SHIFT_SPAN} runs;`));
  });
});
