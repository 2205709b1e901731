import { afterEach, describe, expect, it } from 'vitest';
import { FAKE_API_KEY, startFakeCongress, type FakeCongress } from '../../helpers/congress-server.js';
import { hearingRecord } from '../../helpers/records.js';

describe('the fake Congress.gov finds a meeting by its eventId, as the real API does', () => {
  let fake: FakeCongress | undefined;
  afterEach(async () => fake?.close());

  const detailStatus = async (eventIdInPath: string) => (await fetch(`${fake!.baseUrl}/committee-meeting/119/house/${eventIdInPath}?format=json&api_key=${FAKE_API_KEY}`)).status;

  it('answers the detail of a meeting whose eventId is a number, and of one spelt with leading zeros, at its canonical path', async () => {
    fake = await startFakeCongress({ house: [hearingRecord(61, { eventId: 61 }), hearingRecord('062')] });
    expect({ numeric: await detailStatus('61'), zeros: await detailStatus('62'), asListed: await detailStatus('062'), missing: await detailStatus('63') })
      .toEqual({ numeric: 200, zeros: 200, asListed: 200, missing: 404 });
  });
});
