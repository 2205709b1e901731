import { describe, expect, it } from 'vitest';
import { startCli } from '../helpers/cli.js';
import { FAKE_API_KEY, isDetailRequest } from '../helpers/congress-server.js';
import { hearingRecord } from '../helpers/records.js';
import { findChromium } from './chromium.js';
import { consoleForTheseTests, fakeCongressForTheseTests, seedFromFakeCongress } from './console-in-browser.js';

const executablePath = findChromium();

/**
 * `gatehouse update` says what the source noticed (here a Congress.gov pagination that still links a
 * next page past its count); the run's detail in the console said nothing of it once the run had ended.
 */
describe.skipIf(executablePath === null)('what the source noticed, in a run detail (browser mode)', () => {
  const fake = fakeCongressForTheseTests([964001, 964002, 964003], (server, house) => {
    server.override = (request) => {
      if (isDetailRequest(request) || !request.path.endsWith('/house')) return undefined;
      const listed = Number(request.query.offset ?? 0) === 0 ? house.map(({ eventId, updateDate }) => ({ eventId, updateDate })) : [];
      return { body: { committeeMeetings: listed, pagination: { count: house.length, next: `${server.baseUrl}/committee-meeting/119/house?offset=250` } } };
    };
  });
  const opened = consoleForTheseTests(() => ({ executablePath: executablePath!, seed: seedFromFakeCongress(fake) }));

  it('lists the warnings `gatehouse update` printed, in a section of their own', async () => {
    const { page } = opened();
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

/**
 * A Congress.gov listing still moving on the run's last pass: the run ends partial with every
 * record it fetched accounted for, so its counts alone look clean. Why it is partial must be
 * visible where the run is listed and on its page.
 */
describe.skipIf(executablePath === null)('a run partial because its listing was incomplete (browser mode)', () => {
  const PAGE = 2;
  const fake = fakeCongressForTheseTests([964101, 964102, 964103, 964104, 964105], (server, house) => {
    let next = 964190;
    server.override = (request) => {
      if (isDetailRequest(request) || !request.path.endsWith('/house')) return undefined;
      const offset = Number(request.query.offset ?? 0);
      // A meeting added ahead of the pages already read, on every pass: the listing never settles.
      if (offset === PAGE) house.unshift(hearingRecord(next++, { updateDate: house[0]!.updateDate as string }));
      const listed = house.slice(offset, offset + PAGE).map(({ eventId, updateDate }) => ({ eventId, updateDate }));
      const more = offset + PAGE < house.length ? { next: `${server.baseUrl}/committee-meeting/119/house?offset=${offset + PAGE}` } : {};
      return { body: { committeeMeetings: listed, pagination: { count: house.length, ...more } } };
    };
  });
  const opened = consoleForTheseTests(() => ({
    executablePath: executablePath!,
    seed: async (location) => {
      const update = await startCli(['update', '--db', location, '--source', `congress:${fake().baseUrl}`, '--no-snapshot'], { GATEHOUSE_CONGRESS_API_KEY: FAKE_API_KEY }).done;
      expect(update.code, update.stderr).toBe(3);
    },
  }));

  it('says why beside its partial badge in the runs list, and on its page', async () => {
    const { page } = opened();
    await page.getByRole('link', { name: 'Runs', exact: true }).click();
    const row = page.locator('tr[data-run-id="1"]');
    await row.waitFor();
    const why = /^Congress\.gov's listing was still moving on the last of 3 passes over committee-meeting\/119\/house: meetings may be missing, so its window is not counted as covered/;
    expect(await row.getByTestId('run-status-reasons').textContent()).toBe(' listing incomplete, meetings may be missing');
    expect(await row.getByTestId('run-status-reasons').getAttribute('title')).toMatch(why);
    await row.locator('a.run-link').click();
    const detail = page.locator('.run-detail-pane');
    await detail.getByTestId('run-source-warnings').waitFor();
    expect(await detail.locator('p.form-error').allTextContents()).toEqual([expect.stringMatching(why)]);
  });
});
