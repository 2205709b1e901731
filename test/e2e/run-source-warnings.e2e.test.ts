import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAKE_API_KEY, isDetailRequest, startFakeCongress, type FakeCongress } from '../helpers/congress-server.js';
import { hearingRecord } from '../helpers/records.js';
import { findChromium } from './chromium.js';
import { openConsoleInBrowser, seedByCliUpdate, type ConsoleInBrowser } from './console-in-browser.js';

const executablePath = findChromium();

/**
 * `gatehouse update` says what the source noticed (here a Congress.gov pagination that still links a
 * next page past its count); the run's detail in the console said nothing of it once the run had ended.
 */
describe.skipIf(executablePath === null)('what the source noticed, in a run detail (browser mode)', () => {
  let app: ConsoleInBrowser;
  let page: Page;
  let fake: FakeCongress;

  beforeAll(async () => {
    // The CLI reads the real clock: the feed is dated from it.
    const updated = new Date(Date.now() - 3_600_000).toISOString().replace(/\.\d+Z$/, 'Z');
    const house = [1, 2, 3].map((i) => hearingRecord(964000 + i, { updateDate: updated }));
    fake = await startFakeCongress({ house });
    fake.override = (request) => {
      if (isDetailRequest(request) || !request.path.endsWith('/house')) return undefined;
      const listed = Number(request.query.offset ?? 0) === 0 ? house.map(({ eventId, updateDate }) => ({ eventId, updateDate })) : [];
      return { body: { committeeMeetings: listed, pagination: { count: house.length, next: `${fake.baseUrl}/committee-meeting/119/house?offset=250` } } };
    };
    app = await openConsoleInBrowser({
      executablePath: executablePath!,
      seed: seedByCliUpdate(`congress:${fake.baseUrl}`, { GATEHOUSE_CONGRESS_API_KEY: FAKE_API_KEY }),
    });
    ({ page } = app);
  });

  afterAll(async () => {
    expect(app?.pageErrors ?? []).toEqual([]);
    await app?.close();
    await fake?.close();
  });

  it('lists the warnings `gatehouse update` printed, in a section of their own', async () => {
    await page.getByRole('link', { name: 'Runs', exact: true }).click();
    const row = page.locator('tr[data-run-id="1"]');
    await row.waitFor();
    await row.locator('a.run-link').click();
    const warnings = page.getByTestId('run-source-warnings');
    await warnings.waitFor();
    expect(await warnings.getByRole('listitem').allTextContents()).toEqual([
      expect.stringMatching(/^Congress\.gov's pagination still gave a next page after every meeting it counted was listed \(committee-meeting\/119\/house\); its next pages were read/),
    ]);
  });
});
