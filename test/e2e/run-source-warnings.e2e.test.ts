import { describe, expect, it } from 'vitest';
import { isDetailRequest } from '../helpers/congress-server.js';
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
