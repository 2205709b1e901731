import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAKE_API_KEY, isDetailRequest } from '../helpers/congress-server.js';
import { findChromium } from './chromium.js';
import { consoleForTheseTests, fakeCongressForTheseTests, nameSessionUnlessNamed } from './console-in-browser.js';

const executablePath = findChromium();

/**
 * Congress.gov answered 503 with a Retry-After and the run sat it out: the terminal said so, the
 * console showed a running run reading nothing, as a hung one looks. It now says what the run waits
 * for, until when and why, and stops saying it once the run asks again.
 */
describe.skipIf(executablePath === null)('a run waiting on Congress.gov, on its page (browser mode)', () => {
  const keyBefore = process.env.GATEHOUSE_CONGRESS_API_KEY;
  const fake = fakeCongressForTheseTests([772001], (server) => {
    let refused = false;
    server.override = (request) => {
      if (!isDetailRequest(request) || refused) return undefined;
      refused = true;
      return { status: 503, headers: { 'Retry-After': '3' } };
    };
  });
  beforeAll(() => {
    process.env.GATEHOUSE_CONGRESS_API_KEY = FAKE_API_KEY;
  });
  afterAll(() => {
    if (keyBefore === undefined) delete process.env.GATEHOUSE_CONGRESS_API_KEY;
    else process.env.GATEHOUSE_CONGRESS_API_KEY = keyBefore;
  });
  // A 3 s wait is told (the product tells one of 10 s or more): the page has time to show it.
  const opened = consoleForTheseTests(() => ({ executablePath: executablePath!, seed: async () => undefined, sourceOptions: { waitWorthSayingMs: 1_000 } }));

  it('shows "waiting on Congress.gov until … — it asked (HTTP 503)" on the running run, then clears it as the run reads on', async () => {
    const { page } = opened();
    await page.getByRole('link', { name: 'Runs', exact: true }).click();
    await page.locator('input[name=source]').fill(`congress:${fake().baseUrl}`);
    await nameSessionUnlessNamed(page, 'e2e-operator');
    await page.getByRole('button', { name: 'Start run' }).press('Enter');
    await page.waitForURL(/#\/runs\/\d+$/);
    const runId = Number(/(\d+)$/.exec(page.url())![1]);

    const wait = page.getByRole('status').and(page.getByTestId('run-wait'));
    await wait.waitFor();
    expect(await wait.textContent()).toMatch(/^waiting on Congress\.gov until \d\d:\d\d:\d\d — it asked \(HTTP 503\) \(UTC\)$/);
    const inList = page.locator(`tr[data-run-id="${runId}"]`).getByTestId('run-waiting');
    expect(await inList.getAttribute('title')).toBe(await wait.textContent());

    await wait.waitFor({ state: 'detached' });
    await page.getByTestId('run-ended-note').waitFor();
    expect(await page.getByTestId('run-waiting').count()).toBe(0);
    expect(fake().requests.filter(isDetailRequest)).toHaveLength(2);
  });
});
