import { afterAll, describe, expect, it } from 'vitest';
import { buildReport, renderMarkdown } from '../../main/reports/index.js';
import type { NewTrialRecord } from '../../main/store/index.js';
import { attributeCatch, summariseTrials } from '../../main/trials/index.js';
import { wilsonInterval } from '../../shared/intervals.js';
import { testBackends, withFreshStore } from '../helpers/backends.js';

const backends = testBackends();
afterAll(async () => Promise.all(backends.map((b) => b.cleanup())));

function trial(label: string, caughtBy: string[], runId: number): NewTrialRecord {
  const [kind = '', magnitude] = label.split(':');
  return {
    session: 'console session', at: `2026-11-0${(runId % 9) + 1}T12:00:00.000Z`, source: 'gatehouse.db', label, kind,
    level: kind === 'control' ? 'control' : 'run', magnitude: magnitude === undefined ? null : Number(magnitude),
    runId, caught: caughtBy.length > 0, caughtBy, verdict: caughtBy.length > 0 ? 'anomalous' : 'ok', detail: null,
  };
}

describe('attributable trial catches', () => {
  it('counts an alarm only when it belongs to the injected kind and did not fire on the paired control', () => {
    expect(attributeCatch('spike', ['validator:stale-source'], [])).toEqual({ caughtBy: [], unrelated: ['validator:stale-source'], alsoOnControl: [] });
    expect(attributeCatch('spike', ['validator:above-seasonal-range'], ['validator:above-seasonal-range']).caughtBy).toEqual([]);
    expect(attributeCatch('spike', ['validator:above-seasonal-range', 'validator:stale-source'], ['validator:stale-source']).caughtBy).toEqual(['validator:above-seasonal-range']);
    expect(attributeCatch('bad-date', ['record-rules:BAD_DATE'], null).caughtBy).toEqual(['record-rules:BAD_DATE']);
    expect(attributeCatch('duration-blowup', ['validator:quarantine-surge'], []).caughtBy).toEqual([]);
  });

  it('gives Wilson intervals that stay inside 0–1 and widen with fewer trials', () => {
    expect(wilsonInterval(0, 0)).toBeNull();
    const few = wilsonInterval(3, 3)!;
    const many = wilsonInterval(300, 300)!;
    expect(few.high).toBe(1);
    expect(few.low).toBeGreaterThan(0.4);
    expect(few.low).toBeLessThan(0.5);
    expect(many.low).toBeGreaterThan(few.low);
    expect(wilsonInterval(0, 10)!.low).toBe(0);
    for (const n of [1, 2, 3, 5, 10, 13, 100]) {
      expect(wilsonInterval(0, n)!.low, `0 of ${n}`).toBe(0);
      expect(wilsonInterval(n, n)!.high, `${n} of ${n}`).toBe(1);
    }
  });
});

describe.each(backends)('a trial ledger whose controls alarm for an unrelated reason on $name', (backend) => {
  it('does not count the unrelated stale-source alarms as catches, per kind and magnitude, with n and intervals', async () => {
    await withFreshStore(backend, async (store) => {
      // What the console recorded before attribution: every clean control flagged by stale-source, and
      // subtle injections "caught" by that same rule.
      const rows = [
        trial('control', ['validator:stale-source'], 1),
        trial('spike:1.4', ['validator:stale-source'], 2),
        trial('control', ['validator:stale-source'], 3),
        trial('spike:1.4', ['validator:stale-source'], 4),
        trial('control', ['validator:stale-source'], 5),
        trial('spike:4', ['validator:above-seasonal-range'], 6),
        trial('drop:0.7', [], 7),
      ];
      for (const row of rows) await store.trials.record(row);
      const summary = summariseTrials(await store.trials.list());

      expect(summary).toMatchObject({ injected: 4, caught: 1, detectionRate: 0.25, controls: 3, falsePositives: 3, falsePositiveRate: 1 });
      expect(summary.detectionInterval).toEqual(wilsonInterval(1, 4));
      const subtle = summary.byMagnitude.find((row) => row.kind === 'spike' && row.magnitude === 1.4)!;
      expect(subtle).toMatchObject({ injected: 2, caught: 0, detectionRate: 0, controls: 3, falsePositives: 0, falsePositiveRate: 0 });
      expect(summary.byMagnitude.find((row) => row.kind === 'spike' && row.magnitude === 4)).toMatchObject({ injected: 1, caught: 1, detectionRate: 1 });
      expect(summary.byMagnitude.find((row) => row.kind === 'drop')).toMatchObject({ injected: 1, caught: 0 });
      expect(summary.byKind.find((k) => k.kind === 'spike')).toMatchObject({ trials: 3, caught: 1 });

      const report = await buildReport(store, { kind: 'trial' });
      expect(report.document.headline).toContain('1 of 4 injected anomalies caught; 3 of 3 clean runs flagged');
      const markdown = renderMarkdown(report.document);
      expect(markdown).toContain('Detection against magnitude');
      expect(markdown).toMatch(/spike \| 1\.4 \| 0\.0 % \(0 of 2 injected anomalies caught; 95 % CI 0\.0–65\.8 %\) \| 0\.0 % \(0 of 3 clean runs flagged; 95 % CI/);
    });
  });
});
