import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runUpdate } from '../../main/engine/index.js';
import { openSource } from '../../main/sources/index.js';
import type { Store } from '../../main/store/index.js';
import type { RunEvent } from '../../shared/run.js';
import { testBackends, withStoreAt, type TestBackend } from '../helpers/backends.js';
import { startCli } from '../helpers/cli.js';
import { startFakeCongress, updateFromFakeCongress } from '../helpers/congress-server.js';
import { withReader } from '../helpers/domain-rows.js';
import { hearingRecord } from '../helpers/records.js';
import { tempFolderEachTest } from '../helpers/temp-folder.js';

/**
 * A record listing one committee code twice, or one witness twice (two spellings of one name and
 * organization: "Jane Doe" of "Acme" and "JANE  DOE" of "ACME"), was stored with one link or
 * appearance and no word, whatever the second entry said: a second name for the committee or a
 * second position for the witness was dropped in silence. Now, from every source alike:
 * - a repeat with the same details is stored once — the first entry, in the stored JSON as in the
 *   appearance row — and the run's warning says how many records repeated themselves;
 * - so is a repeat where one entry leaves out a detail the other gives (a committee's name, a
 *   witness's position): the same entry told less fully, stored once with the detail given;
 * - a repeat with other details quarantines the record as DUPLICATE_ENTRY naming both entries.
 */

const NOW = new Date('2025-03-10T12:00:00Z');
const RECENT = '2025-03-08T09:30:00Z';
const COMMITTEE = { systemCode: 'hsif00', name: 'Energy and Commerce Committee' };

function records(): Record<string, unknown>[] {
  return [
    hearingRecord(850001, {
      updateDate: RECENT,
      committees: [COMMITTEE, { ...COMMITTEE, systemCode: 'HSIF00' }],
      witnesses: [
        { name: 'Jane Doe', organization: 'Acme', position: 'CEO' },
        { name: 'JANE  DOE', organization: 'ACME', position: 'CEO' },
      ],
    }),
    hearingRecord(850002, { updateDate: RECENT, committees: [COMMITTEE, { systemCode: 'hsif00', name: 'Commerce' }] }),
    hearingRecord(850003, {
      updateDate: RECENT,
      witnesses: [
        { name: 'Jane Doe', organization: 'Acme', position: 'CEO' },
        { name: 'JANE  DOE', organization: 'ACME', position: 'Chair' },
      ],
    }),
    hearingRecord(850004, { updateDate: RECENT }),
    // hsju00 is not stored yet: its first entry gives no name to create it with, its repeat does.
    hearingRecord(850005, {
      updateDate: RECENT,
      committees: [{ systemCode: 'hsju00' }, { systemCode: 'hsju00', name: 'Judiciary Committee' }],
      witnesses: [
        { name: 'Ann Lee', organization: 'Acme' },
        { name: 'Ann Lee', organization: 'Acme', position: 'CFO' },
      ],
    }),
  ];
}

const QUARANTINED = {
  '850002': [
    'DUPLICATE_ENTRY: committees[0] and committees[1] both list committee hsif00 with different details (name "Energy and Commerce Committee", then "Commerce"): which one was meant cannot be told',
  ],
  '850003': [
    'DUPLICATE_ENTRY: witnesses[0] and witnesses[1] both list the witness "Jane Doe" of "Acme" with different details (position "CEO", then "Chair"): which one was meant cannot be told',
  ],
};
const NOTED = '2 records listed a committee or witness twice without conflicting details; each was stored once, with every detail its entries give (e.g. eventId 850001: committees[1] repeats committees[0] (committee hsif00), witnesses[1] repeats witnesses[0] (the witness "Jane Doe" of "Acme"))';

async function expectFates(backend: TestBackend, location: string, runId: number): Promise<void> {
  await withStoreAt(backend, location, async (store: Store) => {
    const quarantine = await store.listQuarantine({ runId });
    expect(Object.fromEntries(quarantine.map((entry) => [entry.eventId, entry.reasons.map((r) => `${r.code}: ${r.message}`)]))).toEqual(QUARANTINED);
    const stored = await store.loadHearings(['850001', '850004', '850005']);
    expect([...stored.keys()].sort()).toEqual(['850001', '850004', '850005']);
    expect(stored.get('850005')!.content.committees).toEqual([{ systemCode: 'hsju00', name: 'Judiciary Committee' }]);
    expect(stored.get('850005')!.content.witnesses).toEqual([{ name: 'Ann Lee', normalizedName: 'ann lee', organization: 'Acme', position: 'CFO' }]);
    expect(stored.get('850001')!.content.committees).toEqual([{ systemCode: 'hsif00', name: COMMITTEE.name }]);
    expect(stored.get('850001')!.content.witnesses).toEqual([{ name: 'Jane Doe', normalizedName: 'jane doe', organization: 'Acme', position: 'CEO' }]);
  });
  // The stored JSON and the rows tell one story: one link, one appearance, the first entry's.
  await withReader(location, async (query) => {
    expect(await query("SELECT system_code, ordinal FROM hearing_committees WHERE event_id = '850001'")).toEqual([{ system_code: 'hsif00', ordinal: 0 }]);
    const appearances = await query("SELECT w.name, w.organization, a.ordinal, a.position FROM appearances a JOIN witnesses w ON w.id = a.witness_id WHERE a.event_id = '850001'");
    expect(appearances).toEqual([{ name: 'Jane Doe', organization: 'Acme', ordinal: 0, position: 'CEO' }]);
    expect(await query("SELECT name FROM committees WHERE system_code = 'hsju00'")).toEqual([{ name: 'Judiciary Committee' }]);
    const filledIn = await query("SELECT a.ordinal, a.position FROM appearances a WHERE a.event_id = '850005'");
    expect(filledIn).toEqual([{ ordinal: 0, position: 'CFO' }]);
  });
}

const folder = tempFolderEachTest('gatehouse-repeated-entries-');

describe.each(testBackends())('a record that lists one committee or witness twice, on $name', (backend) => {
  afterAll(() => backend.cleanup());

  it('from an NDJSON file through `gatehouse update`: stores a repeat alike once, saying so, and quarantines one with other details naming both', async () => {
    const file = path.join(folder(), 'meetings.ndjson');
    fs.writeFileSync(file, records().map((record) => JSON.stringify(record)).join('\n') + '\n');
    const location = await backend.freshLocation();
    const { child, done } = startCli(['update', '--db', location, '--source', `file:${file}`, '--json']);
    try {
      const result = await done;
      expect(result.code, result.stderr).toBe(3);
      expect(result.stderr).toContain(`warning: ${NOTED}`);
      const summary = JSON.parse(result.stdout) as { runId: number };
      expect(summary).toMatchObject({ status: 'partial', metrics: { fetched: 5, added: 3, quarantined: 2 } });
      await expectFates(backend, location, summary.runId);
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('from a JSON document (a {"committeeMeetings": [...]} page): the same fates and the same warning', async () => {
    const file = path.join(folder(), 'meetings.json');
    fs.writeFileSync(file, JSON.stringify({ committeeMeetings: records() }));
    const location = await backend.freshLocation();
    const warnings: string[] = [];
    const onEvent = (event: RunEvent) => (event.type === 'warning' ? warnings.push(event.message) : undefined);
    const summary = await withStoreAt(backend, location, async (store) => runUpdate({ store, source: await openSource(`file:${file}`), onEvent }));
    expect(summary).toMatchObject({ status: 'partial', metrics: { fetched: 5, added: 3, quarantined: 2 }, batches: { failed: 0 } });
    expect(warnings).toEqual([NOTED]);
    await expectFates(backend, location, summary.runId);
  });

  it('from Congress.gov detail bodies over HTTP: the same fates', async () => {
    const fake = await startFakeCongress({ house: records() });
    try {
      const location = await backend.freshLocation();
      const summary = await withStoreAt(backend, location, (store) => updateFromFakeCongress(store, fake, NOW));
      expect(summary).toMatchObject({ status: 'partial', metrics: { fetched: 5, added: 3, quarantined: 2 }, batches: { failed: 0 } });
      await expectFates(backend, location, summary.runId);
    } finally {
      await fake.close();
    }
  });
});
