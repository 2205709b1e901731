import { afterAll, describe, expect, it } from 'vitest';
import { seedDemoDatabase } from '../../main/api/index.js';
import { isPostgresUrl } from '../../main/store/index.js';
import { stagingTargetFor } from '../../main/trials/index.js';
import { rateWithN, trialRateOf } from '../../renderer/src/format.js';
import type { LedgerSummaryView } from '../../shared/api-validation.js';
import { testBackends } from '../helpers/backends.js';
import { runCli } from '../helpers/cli.js';
import { data } from '../helpers/console-http.js';
import { dropSchemas } from '../helpers/postgres.js';
import { findChromium } from './chromium.js';
import { openConsoleInBrowser } from './console-in-browser.js';

const executablePath = findChromium();
const backends = testBackends();
afterAll(() => Promise.all(backends.map((backend) => backend.cleanup())));

type KindRow = LedgerSummaryView['byKind'][number];

/**
 * One small trial (a level shift held over its window, a spike, and controls paired with them) read
 * three ways: `gatehouse trial --json` and `gatehouse report trial --json`, the API's trials.summary,
 * and the Trials page. Same kinds, same counts and rates, and the detection delay told for the same kinds.
 */
describe.skipIf(executablePath === null).each(backends)('one trial read from the CLI, the report, the API and the Trials page ($name)', (backend) => {
  it('agrees on every kind: judged, caught, rate and the kinds whose detection delay is told', async () => {
    const app = await openConsoleInBrowser({ executablePath: executablePath!, backend, seed: (location) => seedDemoDatabase(location, { days: 28 }) });
    const staging = stagingTargetFor(app.location);
    try {
      const trial = runCli(['trial', '--db', app.location, '--staging', staging, '--inject', 'level-shift', '--inject', 'spike', '--control', '2', '--json']);
      expect(trial.code, trial.stderr).toBe(0);
      const cli = JSON.parse(trial.stdout) as { ledger: LedgerSummaryView };
      const report = runCli(['report', 'trial', '--db', app.location, '--trials', staging, '--json']);
      expect(report.code, report.stderr).toBe(0);
      const sections = (JSON.parse(report.stdout) as { sections: { heading: string; table?: { rows: unknown[][] } }[] }).sections;
      const api = await data<LedgerSummaryView>(app.server, 'trials.summary', {}, { Authorization: `Bearer ${app.server.apiToken}` });

      const { staging: _staging, ...summary } = api as LedgerSummaryView & { staging: string };
      expect(summary).toEqual(cli.ledger);
      const counts = (k: KindRow) => (k.level === 'control' ? [k.kind, null, null, k.trials, k.caught, k.notJudged] : [k.kind, k.trials, k.caught, null, null, k.notJudged]);
      expect(sections.find((s) => s.heading === 'Trials')!.table!.rows).toEqual(cli.ledger.byKind.map(counts));
      const delayed = (sections.find((s) => s.heading === 'Detection delay')?.table?.rows ?? []).map((row) => row[0]);
      expect(delayed).toContain('level-shift');

      const page = app.page;
      await page.getByRole('link', { name: 'Trials' }).click();
      const rows = page.getByTestId('ledger-by-kind').locator('tbody tr');
      await expect.poll(() => rows.count()).toBe(cli.ledger.byKind.length);
      for (const [i, k] of cli.ledger.byKind.entries()) {
        const cells = await rows.nth(i).locator('td').allTextContents();
        expect(cells.slice(1, 5)).toEqual([k.level, String(k.trials), String(k.caught), rateWithN(k.caught, k.trials, k.interval, trialRateOf(k.level))]);
        expect(cells[0]!.startsWith(k.kind)).toBe(true);
        // The page tells a first alarm for exactly the kinds the report's Detection delay lists (with a catch to time).
        const told = (await rows.nth(i).getByTestId('first-alarm-days').count()) > 0;
        expect(told, `${k.kind}: first alarm on the page`).toBe(delayed.includes(k.kind) && k.firstAlarmDays.length > 0);
      }
    } finally {
      await app.close();
      if (isPostgresUrl(staging)) await dropSchemas([new URL(staging).searchParams.get('schema')!]);
    }
  }, 240_000);
});
