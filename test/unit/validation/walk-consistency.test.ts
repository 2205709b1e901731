import { describe, expect, it } from 'vitest';
import { HistoryModel, judgeRun, modelFor } from '../../../main/validation/index.js';
import type { StreamWalk } from '../../../main/validation/historical/stream-walk.js';
import { cleanHistory, entriesOf } from './fixtures.js';

/**
 * The model is a walk: the backtest, the console's bands and an extended cache model take the
 * same steps as a model built cold — so they say exactly what the live judge said.
 */
describe('the walk forward', () => {
  const entries = entriesOf(cleanHistory('joint-100', 160, 8));

  it('judges each run in one pass exactly as a cold model of the runs before it would', () => {
    const walk = HistoryModel.empty();
    for (let i = 0; i < entries.length; i++) {
      const walked = walk.judge(entries[i]!);
      if (i % 9 === 0 || walked.verdict === 'anomalous') expect(walked).toEqual(HistoryModel.fromHistory(entries.slice(0, i)).judge(entries[i]!));
      walk.learn(entries[i]!);
    }
  });

  it('keeps a probed run as it was while the walk steps on (the walk reuses its per-run objects)', () => {
    const model = HistoryModel.fromHistory(entries.slice(0, 120));
    const walk = (model as unknown as { walk: StreamWalk }).walk;
    const probed = walk.probe(entries[120]!);
    const seen = structuredClone({ assessments: probed.assessments, step: probed.context.step });
    // An empty run, ten runs learnt, a huge run: the walk's reused predictions and weights all move.
    walk.probe({ ...entries[121]!, metrics: { ...entries[121]!.metrics, fetched: 0 } });
    for (const entry of entries.slice(120, 130)) model.learn(entry);
    walk.probe({ ...entries[130]!, metrics: { ...entries[130]!.metrics, fetched: 100_000 } });
    expect({ assessments: probed.assessments, step: probed.context.step }).toEqual(seen);
    expect(walk.probe(entries[130]!).assessments.fetched.prediction).not.toEqual(seen.assessments.fetched.prediction);
  });

  it('extends a cached model by the runs a history gained, and judges as a cold model does', () => {
    const base = entries.slice(0, 150);
    const cached = modelFor(base);
    const longer = [...base, ...entries.slice(150, 155)];
    const extended = modelFor(structuredClone(longer));
    expect(extended).not.toBe(cached);
    expect(extended.judge(entries[155]!)).toEqual(HistoryModel.fromHistory(longer).judge(entries[155]!));
    expect(judgeRun(longer, entries[155]!)).toEqual(extended.judge(entries[155]!));
  });

  it('leaves the model it extends untouched', () => {
    const model = HistoryModel.fromHistory(entries.slice(0, 100));
    const before = model.judge(entries[100]!);
    model.extendedWith(entries[100]!).judge(entries[101]!);
    expect(model.judge(entries[100]!)).toEqual(before);
    expect(model.size).toBe(100);
  });
});
