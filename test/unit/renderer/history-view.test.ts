// @vitest-environment happy-dom
import { flushPromises, type VueWrapper } from '@vue/test-utils';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { eventAnnotations } from '../../../renderer/src/charts/annotations.js';
import { explainRun } from '../../../renderer/src/charts/explain.js';
import { clampRange, DAY_MS, extentOf, parseIsoDay, presetRange, zoomRange } from '../../../renderer/src/charts/range.js';
import { COUNT_SERIES, flagOf, PER_RECORD_SERIES, SHARE_SERIES } from '../../../renderer/src/charts/series.js';
import HistoryView from '../../../renderer/src/views/HistoryView.vue';
import { ApiError } from '../../../renderer/src/client/index.js';
import type { HistoryPoint } from '../../../shared/api.js';
import type { HistoryEvent } from '../../../shared/api-history.js';
import { fakeClient, type FakeClient } from './fake-client.js';
import { anomalousRun, metrics } from './fixtures.js';
import { mountWith } from './mount.js';

const FIRST_DAY = Date.parse('2025-11-01T06:00:00.000Z');
const BIG_RUN = 366;
const SPIKE_MESSAGE = 'fetched 20,000 records; a Monday usually brings 41–115 (about 76) — check for duplicates before accepting.';

/** A year of ordinary daily runs (40–79 records), then one run of 20,000 the validator flagged. */
function yearOfHistory(): HistoryPoint[] {
  const points: HistoryPoint[] = [];
  for (let day = 0; day < 365; day++) {
    const fetched = 40 + ((day * 7) % 40);
    points.push(point(day + 1, FIRST_DAY + day * DAY_MS, metrics({ fetched, added: Math.round(fetched * 0.3), updated: Math.round(fetched * 0.1), unchanged: fetched - Math.round(fetched * 0.4), durationMs: fetched * 12 })));
  }
  const big = point(BIG_RUN, FIRST_DAY + 365 * DAY_MS, metrics({ fetched: 20_000, added: 10_880, updated: 9_120, durationMs: 14_567 }));
  big.verdict = 'anomalous';
  big.anomalies = [
    { metric: 'fetched', rule: 'above-seasonal-range', value: 20_000, expected: 76, low: 41, high: 115, score: 98.4, message: SPIKE_MESSAGE },
    { metric: 'updatedShare', rule: 'mix-shift', value: 0.456, expected: 0.1, low: 0, high: 0.21, score: 12.1, message: '9,120 of 20,000 fetched records were updated (46%), usually 0%–21%.' },
  ];
  return [...points, big];
}

function point(runId: number, at: number, values: HistoryPoint['metrics']): HistoryPoint {
  return { runId, startedAt: new Date(at).toISOString(), status: 'success', task: 'daily', metrics: values, verdict: 'ok', anomalies: [], inTrainingHistory: true };
}

const flagChange: HistoryEvent = {
  kind: 'flag',
  id: 'flag:4',
  at: new Date(FIRST_DAY + 340 * DAY_MS).toISOString(),
  title: 'BLOCK_ON_ANOMALY default (off) → on',
  operator: 'ada',
  reason: 'hold anomalous runs during the audit',
  runId: null,
};

describe('the time range', () => {
  const extent = { min: 0, max: 365 * DAY_MS };

  it('pads the extent by half a day so the first and last runs are not on the edge', () => {
    expect(extentOf([DAY_MS, 3 * DAY_MS])).toEqual({ min: DAY_MS / 2, max: 3.5 * DAY_MS });
    expect(extentOf([])).toBeNull();
  });

  it('offers the last week, month, quarter and year, ending at the newest run', () => {
    expect(presetRange('30d', extent)).toEqual({ min: 335 * DAY_MS, max: 365 * DAY_MS });
    expect(presetRange('all', extent)).toEqual(extent);
  });

  it('never zooms past one day nor outside the history', () => {
    expect(zoomRange({ min: 100 * DAY_MS, max: 102 * DAY_MS }, 0.1, extent)).toEqual({ min: 100.5 * DAY_MS, max: 101.5 * DAY_MS });
    expect(clampRange({ min: 0, max: 400 * DAY_MS }, extent)).toEqual(extent);
    expect(clampRange({ min: -10 * DAY_MS, max: 20 * DAY_MS }, extent)).toEqual({ min: 0, max: 30 * DAY_MS });
    expect(zoomRange(extent, 4, extent)).toEqual(extent);
  });

  it('reads typed dates as whole UTC days and refuses what is not a date', () => {
    expect(parseIsoDay('2026-03-01', 'start')).toBe(Date.parse('2026-03-01T00:00:00Z'));
    expect(parseIsoDay('2026-03-01', 'end')).toBe(Date.parse('2026-03-02T00:00:00Z'));
    expect(parseIsoDay('2026-02-30', 'start')).toBeNull();
    expect(parseIsoDay('March 1', 'start')).toBeNull();
  });
});

describe('what the History charts plot and say', () => {
  const history = yearOfHistory();
  const big = history.at(-1)!;

  it('derives the shares of the fetched records and the time per record', () => {
    const ordinary = history[0]!;
    expect(SHARE_SERIES.map((s) => s.value(ordinary))).toEqual([12 / 40, 4 / 40, 24 / 40, 0]);
    expect(PER_RECORD_SERIES[0]!.value(ordinary)).toBe(12);
    expect(SHARE_SERIES[0]!.value(point(1, 0, metrics()))).toBeNull();
  });

  it('flags a run on the chart of the metric its anomaly is about, and as another metric elsewhere', () => {
    expect(flagOf(big, [COUNT_SERIES[0]!])).toBe('metric');
    expect(flagOf(big, SHARE_SERIES)).toBe('metric');
    expect(flagOf(big, PER_RECORD_SERIES)).toBe('run');
    expect(flagOf(history[0]!, SHARE_SERIES)).toBeNull();
    expect(flagOf({ ...history[0]!, status: 'failed' }, PER_RECORD_SERIES)).toBe('metric');
  });

  it('explains a flagged run with the verdict, each rule with its score and sentence, this chart first', () => {
    const explanation = explainRun(big, SHARE_SERIES, undefined, []);
    expect(explanation.verdict).toBe('anomalous');
    expect(explanation.reasons.map((r) => [r.rule, r.score])).toEqual([['mix-shift', 12.1], ['above-seasonal-range', 98.4]]);
    expect(explanation.reasons[1]!.message).toBe(SPIKE_MESSAGE);
    expect(explanation.values.find((v) => v.label === 'Updated share')?.value).toBe('46 %');
  });

  it('adds the reviews, rollbacks and training-history status of the run', () => {
    const review: HistoryEvent = { kind: 'review', id: 'review:1', at: big.startedAt, title: `Run ${BIG_RUN} marked expected (known-event)`, operator: 'cy', reason: 'backfill', runId: BIG_RUN };
    const rollback: HistoryEvent = { ...review, kind: 'rollback', id: 'rollback:1', title: `Run ${BIG_RUN} rolled back` };
    const explanation = explainRun({ ...big, status: 'rolled_back', inTrainingHistory: false }, COUNT_SERIES.slice(0, 1), undefined, [review, rollback, flagChange]);
    expect(explanation.reviews).toEqual(['marked expected (known-event) by cy: backfill']);
    expect(explanation.notes).toEqual(['Left out of the training history: later runs are not judged against it.', 'Rolled back (see the marker).']);
  });

  it('marks only the events inside the range, each as a vertical line with its kind tag', () => {
    const markers = eventAnnotations([flagChange], { min: FIRST_DAY + 300 * DAY_MS, max: FIRST_DAY + 365 * DAY_MS }, () => {});
    expect(Object.keys(markers)).toEqual(['flag:4']);
    expect(markers['flag:4']).toMatchObject({ type: 'line', scaleID: 'x', value: Date.parse(flagChange.at), label: { content: 'F' } });
    expect(eventAnnotations([flagChange], { min: FIRST_DAY, max: FIRST_DAY + 30 * DAY_MS }, () => {})).toEqual({});
  });
});

describe('the History page', () => {
  let client: FakeClient;
  beforeEach(() => {
    client = fakeClient({
      'history.metrics': () => yearOfHistory(),
      'history.bands': () => [],
      'history.annotations': () => ({ events: [flagChange], unavailable: [] }),
      'anomalies.list': () => [],
    });
  });
  afterEach(() => {
    document.body.innerHTML = '';
  });

  async function open(): Promise<VueWrapper> {
    const wrapper = mountWith(HistoryView, client);
    await flushPromises();
    return wrapper;
  }
  const volumeChart = (wrapper: VueWrapper) => wrapper.findAll('figure.history-chart')[0]!;

  it('loads a year and more of runs and shows the last 90 days first', async () => {
    const wrapper = await open();
    expect(client.callsOf('history.metrics')).toEqual([{ limit: 2_000 }]);
    expect(volumeChart(wrapper).attributes('data-visible-runs')).toBe('90');
    expect(wrapper.get('[data-testid="band-note"]').text()).toContain('366 runs in all');
  });

  it('says when one run flattens the others and switches to a log scale on request', async () => {
    const wrapper = await open();
    expect(wrapper.get('[data-testid="flattening"]').text()).toMatch(new RegExp(`Run ${BIG_RUN} \\(20,000\\) is \\d+× a typical run`));
    await wrapper.get('[data-testid="flattening"] button').trigger('click');
    expect(wrapper.findAll('figure.history-chart').map((f) => f.attributes('data-y-scale'))).toEqual(['logarithmic', 'logarithmic', 'logarithmic']);
    expect(wrapper.find('[data-testid="flattening"]').exists()).toBe(false);
  });

  it('zooms every chart and table to the dates typed, leaving the big run out', async () => {
    const wrapper = await open();
    await wrapper.get('input[name="range-from"]').setValue('2026-08-01');
    await wrapper.get('input[name="range-to"]').setValue('2026-08-31');
    await wrapper.get('form[aria-label="From and to dates"]').trigger('submit');
    for (const figure of wrapper.findAll('figure.history-chart')) expect(figure.attributes('data-visible-runs')).toBe('31');
    expect(wrapper.find('[data-testid="flattening"]').exists()).toBe(false);
    await volumeChart(wrapper).get('.chart-head button').trigger('click');
    const rows = volumeChart(wrapper).findAll('tbody tr');
    expect(rows).toHaveLength(31);
    expect(rows.every((row) => /^2026-08-/.test(row.get('td').text()))).toBe(true);
    expect(volumeChart(wrapper).get('canvas').attributes('aria-label')).toMatch(/^Fetched per run, linear scale: 31 runs from 2026-08-01 to 2026-08-31; typical \d+, highest \d+; none flagged; 0 event markers\.$/);
  });

  it('steps to the flagged run with the keyboard and says why it was flagged', async () => {
    const wrapper = await open();
    const chart = volumeChart(wrapper).get('.chart');
    // The stop Tab reaches has a name of its own, not only the keys it describes.
    expect(chart.attributes()).toMatchObject({ tabindex: '0', role: 'group', 'aria-label': 'Chart: Fetched per run' });
    await chart.trigger('keydown', { key: 'n' });
    const tooltip = volumeChart(wrapper).get('[data-testid="chart-tooltip"]');
    expect(tooltip.text()).toContain(`Run ${BIG_RUN}`);
    expect(tooltip.text()).toContain('Verdict: anomalous');
    expect(tooltip.get('[data-testid="tooltip-reasons"] li').text()).toBe(`${SPIKE_MESSAGE} (above-seasonal-range, score 98.4)`);
    expect(volumeChart(wrapper).get('[role="status"]').text()).toContain(SPIKE_MESSAGE);
    await chart.trigger('keydown', { key: 'Escape' });
    expect(volumeChart(wrapper).find('[data-testid="chart-tooltip"]').exists()).toBe(false);
  });

  it('lists the flag change as an event, marks it on every chart, and hides markers of a kind on request', async () => {
    const wrapper = await open();
    expect(wrapper.get('[data-event="flag:4"]').text()).toContain('BLOCK_ON_ANOMALY default (off) → on');
    expect(wrapper.get('[data-event="flag:4"]').text()).toContain('by ada — hold anomalous runs during the audit');
    expect(wrapper.findAll('figure.history-chart').map((f) => f.attributes('data-annotations'))).toEqual(['1', '1', '1']);
    await wrapper.get('input[name="marker-flag"]').setValue(false);
    expect(wrapper.findAll('figure.history-chart').map((f) => f.attributes('data-annotations'))).toEqual(['0', '0', '0']);
  });

  it('moves the range from the overview with the keyboard', async () => {
    const wrapper = await open();
    const brush = wrapper.get('[data-testid="range-brush"] [role="slider"]');
    expect(brush.attributes('aria-valuetext')).toBe('Showing 2026-08-03 to 2026-11-01');
    await brush.trigger('keydown', { key: 'ArrowLeft', shiftKey: true });
    expect(brush.attributes('aria-valuetext')).toBe('Showing 2026-06-19 to 2026-09-17');
    await brush.trigger('keydown', { key: '+' });
    const shown = Date.parse(volumeChart(wrapper).attributes('data-x-max')!) - Date.parse(volumeChart(wrapper).attributes('data-x-min')!);
    expect(shown).toBe(45 * DAY_MS);
  });
});

describe('the History page\'s time span', () => {
  afterEach(() => {
    document.body.innerHTML = '';
  });

  /** Ten daily runs, and a rollback 60 days before the oldest of them (its run is gone from the history shown). */
  const OLDEST_RUN = FIRST_DAY + 300 * DAY_MS;
  const runs = Array.from({ length: 10 }, (_, i) => point(i + 50, OLDEST_RUN + i * DAY_MS, metrics({ fetched: 40 + i })));
  const oldRollback: HistoryEvent = {
    kind: 'rollback', id: 'rollback:3', at: new Date(OLDEST_RUN - 60 * DAY_MS).toISOString(), title: 'Run 7 rolled back: 40 restored, 0 deleted', operator: 'bo', reason: 'bad feed', runId: 7,
  };

  async function openWith(events: HistoryEvent[]) {
    const client = fakeClient({
      'history.metrics': () => runs,
      'history.bands': () => [],
      'history.annotations': () => ({ events, unavailable: [] }),
      'anomalies.list': () => [],
    });
    const wrapper = mountWith(HistoryView, client);
    await flushPromises();
    return wrapper;
  }

  it('reaches back to an audit event older than the oldest run: listed, inside the span, and zoomed to', async () => {
    const wrapper = await openWith([oldRollback]);
    expect(wrapper.get('[data-event="rollback:3"]').text()).toContain('Run 7 rolled back');
    const chart = wrapper.findAll('figure.history-chart')[0]!;
    expect(Date.parse(chart.attributes('data-x-min')!)).toBeLessThanOrEqual(Date.parse(oldRollback.at));
    await wrapper.get('[data-event="rollback:3"] button').trigger('click');
    const min = Date.parse(chart.attributes('data-x-min')!);
    const max = Date.parse(chart.attributes('data-x-max')!);
    expect(min).toBeLessThanOrEqual(Date.parse(oldRollback.at));
    expect(max).toBeGreaterThanOrEqual(Date.parse(oldRollback.at));
    expect(max).toBeLessThan(OLDEST_RUN);
  });

  it('spans the runs alone when there is no audit event', async () => {
    const wrapper = await openWith([]);
    const chart = wrapper.findAll('figure.history-chart')[0]!;
    expect(Date.parse(chart.attributes('data-x-min')!)).toBe(OLDEST_RUN - DAY_MS / 2);
    expect(wrapper.find('[data-testid="history-events"] [data-event]').exists()).toBe(false);
  });
});

describe('the History page\'s anomalies on a long history', () => {
  afterEach(() => {
    document.body.innerHTML = '';
  });

  it('reaches every open anomaly a page at a time, not only the newest 100, and keeps them open when a run is reviewed', async () => {
    /** anomalies.list as the API answers it: newest raising run first, `after` the last one of the page before. */
    let open = Array.from({ length: 250 }, (_, i) => anomalousRun({ runId: 1_000 - i, runIds: [1_000 - i], lastRunId: 1_000 - i }));
    const client = fakeClient({
      'history.metrics': () => yearOfHistory(),
      'history.bands': () => [],
      'history.annotations': () => ({ events: [], unavailable: [] }),
      'anomalies.list': ({ limit, after }: { limit: number; after?: number }) => open.filter((fold) => after === undefined || fold.runId < after).slice(0, limit),
      'anomalies.markMany': () => ({ reviews: [] }),
    });
    const wrapper = mountWith(HistoryView, client);
    await flushPromises();
    const shown = () => wrapper.findAll('[data-testid="anomalies-panel"] input[name="select-run"]');
    const older = () => wrapper.findAll('button').find((b) => b.text() === 'Older anomalies…');
    expect(shown()).toHaveLength(100);
    await older()!.trigger('click');
    await flushPromises();
    expect(shown()).toHaveLength(200);

    // Reviewing re-reads the two pages open, not the first alone.
    open = open.slice(1);
    const bulk = wrapper.findComponent({ name: 'BulkReview' });
    bulk.vm.$emit('changed');
    await flushPromises();
    expect(shown()).toHaveLength(200);
    await older()!.trigger('click');
    await flushPromises();
    expect(shown()).toHaveLength(249);
    expect(older()).toBeUndefined();
    expect(client.callsOf('anomalies.list').at(-1)).toMatchObject({ open: true, limit: 100 });
    wrapper.unmount();
  });

  it('puts focus on "include reviewed" once the last open anomaly is reviewed and the list is gone', async () => {
    let open = [anomalousRun({ runId: 40, runIds: [40], lastRunId: 40 })];
    const client = fakeClient({
      'history.metrics': () => yearOfHistory(),
      'history.bands': () => [],
      'history.annotations': () => ({ events: [], unavailable: [] }),
      'anomalies.list': () => open,
      'anomalies.mark': ({ runId, as, reason }) => {
        open = [];
        return { id: 7, runId, action: as, reasonKind: null, reason, operator: 'Ada', at: '2026-11-28T12:00:00.000Z' };
      },
    });
    const wrapper = mountWith(HistoryView, client);
    await flushPromises();
    const opener = wrapper.get('button[aria-label="Confirmed… run 40"]');
    (opener.element as HTMLElement).focus();
    await opener.trigger('click');
    await wrapper.get('textarea[name="review-reason"]').setValue('the feed doubled rows');
    await wrapper.get('form[aria-label="Mark run 40 confirmed"]').trigger('submit');
    await flushPromises();
    expect(wrapper.text()).toContain('No open anomalies: every flagged run has been reviewed.');
    expect(document.activeElement?.getAttribute('name')).toBe('show-reviewed');
    wrapper.unmount();
  });
});

/** The Runs filters live in the URL; "include reviewed" was a plain toggle, which a reload or a shared link lost. */
describe('the History page\'s "include reviewed" in the URL', () => {
  const hashChanged = () => new Promise<void>((resolve) => window.addEventListener('hashchange', () => resolve(), { once: true }));
  const client = () =>
    fakeClient({
      'history.metrics': () => yearOfHistory(),
      'history.bands': () => [],
      'history.annotations': () => ({ events: [], unavailable: [] }),
      'anomalies.list': () => [],
    });
  const box = (wrapper: VueWrapper) => wrapper.get('input[name="show-reviewed"]').element as HTMLInputElement;
  afterEach(() => {
    document.body.innerHTML = '';
    window.location.hash = '';
  });

  it('puts the toggle in the URL and takes it off again, listing reviewed anomalies while it is on', async () => {
    window.location.hash = '#/history';
    const server = client();
    const wrapper = mountWith(HistoryView, server);
    await flushPromises();
    expect(server.callsOf('anomalies.list').at(-1)).toMatchObject({ open: true });

    let changed = hashChanged();
    await wrapper.get('input[name="show-reviewed"]').setValue(true);
    await changed;
    await flushPromises();
    expect(window.location.hash).toBe('#/history?reviewed=include');
    expect(server.callsOf('anomalies.list').at(-1)).toMatchObject({ open: false });

    changed = hashChanged();
    await wrapper.get('input[name="show-reviewed"]').setValue(false);
    await changed;
    await flushPromises();
    expect(window.location.hash).toBe('#/history');
    expect(box(wrapper).checked).toBe(false);
    expect(server.callsOf('anomalies.list').at(-1)).toMatchObject({ open: true });
    wrapper.unmount();
  });

  it('opens with reviewed anomalies included when the URL says so (a reload, a shared link), and not for a value it does not know', async () => {
    window.location.hash = '#/history?reviewed=include';
    const server = client();
    const wrapper = mountWith(HistoryView, server);
    await flushPromises();
    expect(box(wrapper).checked).toBe(true);
    expect(server.callsOf('anomalies.list')).toEqual([{ open: false, limit: 100 }]);
    wrapper.unmount();

    window.location.hash = '#/history?reviewed=maybe';
    const other = client();
    const again = mountWith(HistoryView, other);
    await flushPromises();
    expect(box(again).checked).toBe(false);
    expect(other.callsOf('anomalies.list')).toEqual([{ open: true, limit: 100 }]);
    again.unmount();
  });
});

describe('the History page\'s side reads', () => {
  it('says the open count and the charts\' marks could not be read, and reads them again on Try again', async () => {
    let broken = true;
    const unless = <T>(value: T) => () => {
      if (broken) throw new ApiError('SOURCE_UNREADABLE', 'the audit table cannot be read');
      return value;
    };
    const client = fakeClient({
      'history.metrics': () => yearOfHistory(),
      'history.bands': () => [],
      'history.annotations': unless({ events: [flagChange], unavailable: [] }),
      'anomalies.list': () => [],
      'anomalies.openCount': unless(3),
    });
    const wrapper = mountWith(HistoryView, client);
    await flushPromises();
    expect(wrapper.get('[data-testid="open-count-error"]').text()).toMatch(/^The open count could not be read: the audit table cannot be read/);
    expect(wrapper.get('[data-testid="annotations-error"]').text()).toMatch(/^The charts' marks \(runs, anomalies, changes\) could not be read: the audit table cannot be read/);
    broken = false;
    await wrapper.get('[data-testid="open-count-error"] button').trigger('click');
    await wrapper.get('[data-testid="annotations-error"] button').trigger('click');
    await flushPromises();
    expect(wrapper.find('[data-testid="open-count-error"]').exists()).toBe(false);
    expect(wrapper.get('[data-testid="open-anomaly-count"]').text()).toBe('3 open');
    expect(wrapper.get('[data-event="flag:4"]').exists()).toBe(true);
    wrapper.unmount();
  });
});
