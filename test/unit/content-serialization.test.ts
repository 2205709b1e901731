import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { classify, contentHash, fieldTexts, hearingJson } from '../../main/engine/index.js';
import { openSource } from '../../main/sources/index.js';
import { applyRecordRules } from '../../main/validation/index.js';
import { TRACKED_FIELDS, type NormalizedHearing } from '../../shared/record.js';
import { hearingRecord } from '../helpers/records.js';

/** Each hearing is serialised once: the stored JSON and the content hash come from the same field texts. */
function normalized(raw: unknown): NormalizedHearing {
  const outcome = applyRecordRules(raw, { isKnownCommittee: () => true });
  if (!outcome.ok) throw new Error(`test record rejected: ${outcome.reasons[0]!.message}`);
  return outcome.hearing;
}

const serializeHearing = (hearing: NormalizedHearing) => ({ json: hearingJson(fieldTexts(hearing)), hash: contentHash(hearing) });

/** The hash as databases written before hold it. */
const storedHash = (hearing: NormalizedHearing) => createHash('sha1').update(JSON.stringify(TRACKED_FIELDS.map((field) => hearing[field]))).digest('hex');

describe('each hearing serialised once', () => {
  it('gives exactly JSON.stringify of the hearing and the hash stored databases hold, for 300 synthetic hearings', async () => {
    let checked = 0;
    for await (const item of (await openSource('synthetic:seed=7,count=300')).items()) {
      const hearing = normalized(item.raw);
      expect(serializeHearing(hearing)).toEqual({ json: JSON.stringify(hearing), hash: storedHash(hearing) });
      checked += 1;
    }
    expect(checked).toBe(300);
  });

  it('handles nulls, an absent location, quotes and non-ASCII text like JSON.stringify', () => {
    const hearing = normalized(hearingRecord(4242, { title: 'Ünïcode "quoted" \\ title — ✓', location: undefined, videos: [], witnesses: [] }));
    const serialized = serializeHearing(hearing);
    expect(serialized.json).toBe(JSON.stringify(hearing));
    expect(JSON.parse(serialized.json)).toEqual(hearing);
    expect(serialized.hash).toBe(storedHash(hearing));
  });

  it('leaves out a member that is undefined, as JSON.stringify does, and hashes it as null', () => {
    const hearing = { ...normalized(hearingRecord(4243)), location: undefined } as unknown as NormalizedHearing;
    const serialized = serializeHearing(hearing);
    expect(serialized.json).toBe(JSON.stringify(hearing));
    expect(serialized.json).not.toContain('"location"');
    expect(serialized.hash).toBe(storedHash(hearing));
  });

  it('classifies a new hearing with the JSON to store, and an unchanged one without building it', () => {
    const hearing = normalized(hearingRecord(4245));
    const added = classify(hearing, undefined);
    expect(added).toEqual({ kind: 'added', hash: storedHash(hearing), json: JSON.stringify(hearing) });
    const stored = { eventId: hearing.eventId, contentHash: storedHash(hearing), content: hearing, lastRunId: 1 };
    expect(classify(hearing, stored)).toEqual({ kind: 'unchanged', hash: storedHash(hearing) });
    const retitled = { ...hearing, title: 'Retitled' };
    expect(classify(retitled, stored)).toMatchObject({ kind: 'updated', json: JSON.stringify(retitled), diff: [{ field: 'title', before: hearing.title, after: 'Retitled' }] });
  });

  it('hashes the tracked fields only: a new updateDate keeps the hash, a new title changes it', () => {
    const hearing = normalized(hearingRecord(4244));
    const { hash } = serializeHearing(hearing);
    expect(serializeHearing({ ...hearing, updateDate: '2030-01-01T00:00:00Z' }).hash).toBe(hash);
    expect(serializeHearing({ ...hearing, title: 'Another title' }).hash).not.toBe(hash);
  });
});
