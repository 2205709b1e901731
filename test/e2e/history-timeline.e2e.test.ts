/// <reference lib="dom" />
import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDemoDatabase, type RunningServer } from '../../main/api/index.js';
import type { RunEvent } from '../../shared/api.js';
import type { RunSummary } from '../../shared/run.js';
import { findChromium } from './chromium.js';
import { openConsoleInBrowser, type ConsoleInBrowser } from './console-in-browser.js';
import { flagStore } from '../../main/flags/index.js';

const executablePath = findChromium();
const DAY_MS = 86_400_000;
const isoDay = (t: number) => new Date(t).toISOString().slice(0, 10);

/**
 * Issue 14's "done when", in Chromium on `gatehouse serve`: a year of daily history and one run of
 * 20,000 records (400 batches of 50). Assertions read the charts' state and data tables, not pixels.
 */
// The tests share one page and go on from where the one before left it (a range chosen, a chart scale, a timeline zoomed).
describe.skipIf(executablePath === null)('History and the batch timeline at scale (browser mode)', () => {
  let app: ConsoleInBrowser;
  let server: RunningServer;
  let page: Page;
  let bigRun: RunSummary;
  const now = Date.now();
  /** A month of ordinary days, well before the big run. */
  const month = { from: isoDay(now - 75 * DAY_MS), to: isoDay(now - 46 * DAY_MS) };
  const flagChangedAt = new Date(now - 60 * DAY_MS).toISOString();

  beforeAll(async () => {
    app = await openConsoleInBrowser({
      executablePath: executablePath!,
      judge: true,
      viewport: { width: 1400, height: 1000 },
      seed: (location) => seedDemoDatabase(location, { days: 365 }),
      prepare: async ({ store, engine }) => {
        const finished = new Promise<RunSummary>((resolve) => {
          const stop = engine.subscribe((event: RunEvent) => {
            if (event.type !== 'run-finished') return;
            stop();
            resolve(event.summary);
          });
        });
        // 400 batches of 50 to zoom through: fixed batches, not grown ones.
        await flagStore(store).change({ flag: 'ADAPTIVE_BATCHES', scope: 'global', valueJson: 'false', actor: 'e2e-operator', reason: 'a timeline of 400 batches', at: new Date(now).toISOString() });
        await engine.start({ source: 'synthetic:seed=99,count=20000', batchSize: 50, task: null });
        bigRun = await finished;
        // The audit row as the flags folder writes it, dated inside the month the test zooms to.
        await flagStore(store).change({ flag: 'BLOCK_ON_ANOMALY', scope: 'global', valueJson: 'true', actor: 'e2e-operator', reason: 'hold anomalous runs during the audit', at: flagChangedAt });
      },
    });
    ({ server, page } = app);
  });

  afterAll(async () => {
    await app?.close();
  });

  const shot = (name: string) => app.shot(name);
  const volumeChart = () => page.locator('figure.history-chart').first();
  const number = async (locator: Locator, attribute: string) => Number(await locator.getAttribute(attribute));

  async function openHistory(): Promise<void> {
    await page.getByRole('link', { name: 'History' }).click();
    await volumeChart().locator('canvas').waitFor();
    await page.getByTestId('band-note').getByText(/shaded band/).waitFor();
  }

  it('ran one update of 20,000 records in 400 batches, which the validator flagged', () => {
    expect(bigRun.metrics.fetched).toBe(20_000);
    expect(bigRun.batches.total).toBe(400);
    expect(bigRun.validation?.verdict).toBe('anomalous');
  });

  it('shows ordinary days readably when zoomed to one month of a year with a 20,000-record run', async () => {
    await openHistory();
    await page.getByTestId('flattening').getByText(`Run ${bigRun.runId} (20,000)`).waitFor();
    await page.locator('input[name=range-from]').fill(month.from);
    await page.locator('input[name=range-to]').fill(month.to);
    await page.getByRole('button', { name: 'Show', exact: true }).click();
    await page.waitForFunction((from) => document.querySelector('figure.history-chart')?.getAttribute('data-x-min')?.startsWith(from), month.from);

    const chart = volumeChart();
    await expect.poll(() => number(chart, 'data-visible-runs')).toBe(30);
    await chart.getByRole('button', { name: 'Show data table' }).click();
    const rows = chart.locator('tbody tr');
    await expect.poll(() => rows.count()).toBe(30);
    const started = await rows.locator('td:nth-child(2)').allTextContents();
    expect(started.every((text) => text >= month.from && text <= `${month.to} 23:59`)).toBe(true);
    const fetched = (await rows.locator('td:nth-child(4)').allTextContents()).map((text) => Number(text.split(' ')[0]!.replace(/,/g, '')));
    // Readable: the y axis fits these days, not the 20,000-record run.
    const yMax = await number(chart, 'data-y-max');
    expect(yMax).toBeGreaterThanOrEqual(Math.max(...fetched));
    expect(yMax).toBeLessThan(2 * Math.max(...fetched) + 50);
    await expect.poll(() => page.getByTestId('flattening').count()).toBe(0);
    await expect.poll(() => chart.locator('canvas').getAttribute('aria-label')).toMatch(new RegExp(`^Fetched per run, linear scale: 30 runs from ${month.from} to ${month.to}; typical \\d+`));
    await chart.getByRole('button', { name: 'Hide data table' }).click();
    await shot('history-zoomed-month');
  });

  it('keeps the whole year readable on a log scale', async () => {
    // From the month the test before zoomed to.
    await page.locator('label.chip', { hasText: /^All$/ }).click();
    await page.locator('input[name=log-scale]').check();
    const chart = volumeChart();
    await page.waitForFunction(() => document.querySelector('figure.history-chart')?.getAttribute('data-y-scale') === 'logarithmic');
    await expect.poll(() => number(chart, 'data-visible-runs')).toBe(366);
    await expect.poll(() => number(chart, 'data-y-max')).toBeGreaterThanOrEqual(20_000);
    await shot('history-year-log-scale');
  });

  it('says in the tooltip why a flagged run was flagged', async () => {
    // On the whole year the test before showed, whose newest run is the 20,000-record one.
    const canvas = volumeChart().locator('canvas');
    const tooltip = volumeChart().getByTestId('chart-tooltip');
    // That run is the rightmost point: come in from the right edge until the pointer is inside the
    // plot area (the axis padding shows no tooltip). Each move is placed on the canvas where it is
    // now, not at page coordinates read once (the page can scroll or reflow between moves).
    for (let inset = 2; inset < 80 && (await tooltip.count()) === 0; inset += 4) {
      const { width, height } = (await canvas.boundingBox())!;
      await canvas.hover({ position: { x: width - inset, y: height / 2 } });
    }
    await tooltip.getByText(`Run ${bigRun.runId} ·`).waitFor();
    await expect.poll(() => tooltip.textContent()).toContain('Verdict: anomalous');
    const reasons = await tooltip.getByTestId('tooltip-reasons').locator('li').allTextContents();
    const fetchedAnomaly = bigRun.validation!.anomalies.find((a) => a.metric === 'fetched')!;
    expect(reasons[0]).toBe(`${fetchedAnomaly.message} (${fetchedAnomaly.rule}, score ${fetchedAnomaly.score})`);
    await shot('history-tooltip-flagged-run');
    await page.mouse.move(0, 0);
  });

  it('marks the flag change on the charts and lists who made it and why', async () => {
    await page.locator('input[name=log-scale]').uncheck();
    await page.locator('input[name=range-from]').fill(month.from);
    await page.locator('input[name=range-to]').fill(month.to);
    await page.getByRole('button', { name: 'Show', exact: true }).click();
    await page.waitForFunction(() => document.querySelector('figure.history-chart')?.getAttribute('data-annotations') === '1');
    for (const figure of await page.locator('figure.history-chart').all()) await expect.poll(() => figure.getAttribute('data-annotations')).toBe('1');
    const event = page.getByTestId('history-events').locator('[data-kind=flag]');
    await expect.poll(() => event.textContent()).toContain('BLOCK_ON_ANOMALY default (off) → on by e2e-operator — hold anomalous runs during the audit');
    await volumeChart().scrollIntoViewIfNeeded();
    await shot('history-flag-change-marker');
  });

  it('zooms a 400-batch timeline to one batch', async () => {
    await page.goto(`http://127.0.0.1:${server.port}/#/runs/${bigRun.runId}`);
    const timeline = page.locator('.batch-timeline');
    await timeline.waitFor();
    await expect.poll(() => number(timeline, 'data-total')).toBe(400);
    await expect.poll(() => number(timeline, 'data-visible-batches')).toBe(400);
    const frame = page.locator('.timeline-frame');
    await frame.focus();
    await page.keyboard.press('Home');
    for (let i = 0; i < 199; i++) await page.keyboard.press('ArrowRight');
    await page.locator('section[aria-label="Batch 200"]').waitFor();
    await page.getByRole('button', { name: 'Zoom to batch 200' }).click();
    await expect.poll(() => number(timeline, 'data-visible-batches')).toBe(1);
    await expect.poll(() => page.getByTestId('timeline-view').textContent()).toMatch(/^1 of 400 batches/);
    await shot('timeline-zoomed-to-one-batch');
    // Each step doubles the span around the batch; idle time between batches (planning the next
    // window, a busy machine) can keep a neighbour out of the first step's view.
    const zoomOut = page.getByRole('button', { name: 'Zoom out' });
    await expect.poll(async () => {
      await zoomOut.click();
      return number(timeline, 'data-visible-batches');
    }, { interval: 50, timeout: 10_000 }).toBeGreaterThan(1);
    await page.getByRole('button', { name: 'Fit all' }).click();
    await expect.poll(() => number(timeline, 'data-visible-batches')).toBe(400);
    await shot('timeline-400-batches');
  });

  it('opens a batch by clicking its bar', async () => {
    // On the run page the test before left with all 400 batches in view.
    const frame = page.locator('.timeline-frame');
    // Bars are as wide as their batches took, so which batch sits mid-axis depends on this machine's
    // speed (one slow batch can span half the axis); what must hold is the order: further right on
    // the axis, never an earlier batch, and across the axis a later one. Between batches the axis
    // has idle time (planning the next window), where a click opens nothing: each click goes where
    // the pointer, moved from the fraction asked in steps of 0.2 % of the width, first hovers a bar
    // (the frame's data-hovered, read once its data-pointer-x shows the move was seen), and then
    // waits until that batch is the selection and its panel is shown. Positions are fractions of the
    // frame as it is now: a batch panel of another height below can scroll the page or bring a
    // scrollbar that narrows it.
    const barUnder = async (fraction: number) => {
      for (let step = 0; step <= 40; step++) {
        const offset = 0.002 * Math.ceil(step / 2) * (step % 2 === 0 ? 1 : -1);
        const { width } = (await frame.boundingBox())!;
        const position = { x: Math.round(width * (fraction + offset)), y: 20 };
        const seenBefore = await frame.getAttribute('data-pointer-x');
        await frame.hover({ position });
        await expect.poll(() => frame.getAttribute('data-pointer-x')).not.toBe(seenBefore);
        const hovered = await frame.getAttribute('data-hovered');
        if (hovered) return { position, seq: Number(hovered) };
      }
      throw new Error(`no batch within 4 % of the width around ${fraction} of the timeline`);
    };
    const clickAt = async (fraction: number) => {
      const { position, seq } = await barUnder(fraction);
      await frame.click({ position });
      await expect.poll(async () => Number(await page.locator('.batch-timeline').getAttribute('data-selected'))).toBe(seq);
      await page.locator(`section[aria-label="Batch ${seq}"]`).waitFor();
      return seq;
    };
    const [left, middle, right] = [await clickAt(0.05), await clickAt(0.5), await clickAt(0.95)];
    expect(left).toBeGreaterThanOrEqual(1);
    expect(middle).toBeGreaterThanOrEqual(left);
    expect(right).toBeGreaterThanOrEqual(middle);
    expect(right).toBeGreaterThan(left);
    expect(right).toBeLessThanOrEqual(400);
    expect(await clickAt(0.5)).toBe(middle);
  });

  it('raised no script errors in the page', () => {
    expect(app.pageErrors).toEqual([]);
  });
});
