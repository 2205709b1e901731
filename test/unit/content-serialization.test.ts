import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { classify, contentHash } from '../../main/engine/index.js';
import { openSource } from '../../main/sources/index.js';
import { trackedFieldsHash } from '../../main/store/hearing-content.js';
import { hearingRow } from '../../main/store/hearing-rows.js';
import { applyRecordRules } from '../../main/validation/index.js';
import { TRACKED_FIELDS, type NormalizedHearing } from '../../shared/record.js';
import { hearingRecord } from '../helpers/records.js';

/** The stored JSON is exactly JSON.stringify of the hearing, and the content hash the one stored databases hold. */
function normalized(raw: unknown): NormalizedHearing {
  const outcome = applyRecordRules(raw, { isKnownCommittee: () => true });
  if (!outcome.ok) throw new Error(`test record rejected: ${outcome.reasons[0]!.message}`);
  return outcome.hearing;
}

/** The content_json and content_hash of the row a newly planned hearing is written as. */
const serializeHearing = (hearing: NormalizedHearing) => {
  const added = classify(hearing, undefined);
  if (added.kind !== 'added') throw new Error(`a hearing with nothing stored was classified ${added.kind}`);
  const row = hearingRow({ kind: 'added', hearing, contentHash: added.hash, position: 0, raw: null, diff: [] }, 1, 1);
  return { json: row.contentJson as string, hash: row.contentHash };
};

/** The row of a hearing planned with nothing stored: its hash is read from its stored JSON. */
const serializeUnhashed = (hearing: NormalizedHearing) => {
  const row = hearingRow({ kind: 'added', hearing, contentHash: null, position: 0, raw: null, diff: [] }, 1, 1);
  return { json: row.contentJson as string, hash: row.contentHash };
};

/** The hash as databases written before hold it. */
const storedHash = (hearing: NormalizedHearing) => createHash('sha1').update(JSON.stringify(TRACKED_FIELDS.map((field) => hearing[field]))).digest('hex');

describe('the stored JSON and the content hash', () => {
  it('gives exactly JSON.stringify of the hearing and the hash stored databases hold, for 300 synthetic hearings', async () => {
    let checked = 0;
    for await (const item of (await openSource('synthetic:seed=7,count=300')).items()) {
      const hearing = normalized(item.raw);
      expect(serializeHearing(hearing)).toEqual({ json: JSON.stringify(hearing), hash: storedHash(hearing) });
      expect(serializeUnhashed(hearing)).toEqual({ json: JSON.stringify(hearing), hash: storedHash(hearing) });
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

  it('reads the same hash from the stored JSON when text in the record looks like the members around it', () => {
    const lookalike = ',"date":"x","updateDate":null,"location":{"committees":[]},"witnesses":[],"videos":[],"transcripts":[]}';
    const hearing = normalized(hearingRecord(4246, {
      title: `T${lookalike}`,
      location: { room: lookalike, building: '"}', address: '\\' },
      witnesses: [{ name: `W${lookalike}`, organization: ',"videos":[', position: '],"transcripts":' }],
      videos: [{ name: ',"transcripts":[{"url":null}]', url: `https://x.test/${encodeURIComponent(lookalike)}` }],
    }));
    expect(JSON.stringify(hearing)).toContain('title":"T,\\"date\\"');
    expect(trackedFieldsHash(JSON.stringify(hearing)), 'the hash was read from the JSON, not serialised again').not.toBeNull();
    expect(serializeUnhashed(hearing)).toEqual({ json: JSON.stringify(hearing), hash: storedHash(hearing) });
  });

  it('hashes the tracked fields cut out of the JSON bytes as the fields serialised alone, ASCII or not, short after long', () => {
    const manyVideos = Array.from({ length: 30 }, (_, i) => ({ name: 'x'.repeat(1_500), url: `https://x.test/${i}` }));
    const hearings = [
      normalized(hearingRecord(4248)),
      normalized(hearingRecord(4249, { title: 'Ünïcode — ✓ title', witnesses: [{ name: 'José Núñez', organization: 'Dept. of Ünity', position: null }] })),
      // Longer than the reused buffer holds at first: it grows, and the shorter hearing after it reads no stale bytes.
      normalized(hearingRecord(4250, { videos: manyVideos })),
      normalized(hearingRecord(4251)),
    ];
    expect(JSON.stringify(hearings[2]).length * 3).toBeGreaterThan(64 * 1024);
    for (const hearing of hearings) {
      const json = JSON.stringify(hearing);
      expect(trackedFieldsHash(json)).toBe(storedHash(hearing));
    }
    expect(trackedFieldsHash('{"congress":118}'), 'not in the shape of a hearing').toBeNull();
  });

  it('hashes the fields themselves when the hearing has a member left out, one more, or its members in another order', () => {
    const hearing = normalized(hearingRecord(4247));
    const { transcripts, ...rest } = hearing;
    const variants = [
      { ...hearing, location: undefined },
      { ...hearing, extra: { title: 'not tracked' } },
      { transcripts, ...rest },
    ] as unknown as NormalizedHearing[];
    for (const variant of variants) expect(serializeUnhashed(variant)).toEqual({ json: JSON.stringify(variant), hash: storedHash(variant) });
  });

  it('classifies by content hash alone: the JSON to store is built with the row, not held from planning to commit', () => {
    const hearing = normalized(hearingRecord(4245));
    const added = classify(hearing, undefined);
    expect(added).toEqual({ kind: 'added', hash: storedHash(hearing) });
    const stored = { eventId: hearing.eventId, contentHash: storedHash(hearing), content: hearing, lastRunId: 1 };
    expect(classify(hearing, stored)).toEqual({ kind: 'unchanged', hash: storedHash(hearing) });
    const retitled = { ...hearing, title: 'Retitled' };
    expect(classify(retitled, stored)).toEqual({ kind: 'updated', hash: storedHash(retitled), diff: [{ field: 'title', before: hearing.title, after: 'Retitled' }] });
  });

  it('gives a fixed hearing the content hash and JSON that databases written before hold', () => {
    const hearing: NormalizedHearing = {
      eventId: '117021', congress: 118, chamber: 'Senate', type: 'Hearing', meetingStatus: 'Rescheduled',
      title: 'Ünïcode "quoted" \\ title — ✓', date: '2024-02-29T14:30:00.000Z', updateDate: '2024-03-01T12:00:00.000Z',
      location: { room: 'SD-106', building: null, address: null },
      committees: [{ systemCode: 'ssju00', name: 'Judiciary' }, { systemCode: 'ssju21', name: null }],
      witnesses: [{ name: 'The Honorable José Núñez, Jr.', normalizedName: 'jose nunez', organization: 'Dept. of Ünity', position: null }],
      videos: [{ name: null, url: 'https://x.test/v?a=1&b="2"' }],
      transcripts: [{ jacketNumber: '55123', url: null }],
    };
    // Computed by the code of 8aac93e: the hash input and algorithm are part of every stored database.
    expect(contentHash(hearing)).toBe('7a73e3b95e599c8161e3d588e8fade53f03c84f8');
    expect(serializeHearing(hearing)).toEqual({ hash: '7a73e3b95e599c8161e3d588e8fade53f03c84f8', json: JSON.stringify(hearing) });
    expect(serializeUnhashed(hearing)).toEqual({ hash: '7a73e3b95e599c8161e3d588e8fade53f03c84f8', json: JSON.stringify(hearing) });
    expect(contentHash({ ...hearing, updateDate: null, location: null, witnesses: [], videos: [], transcripts: [] })).toBe('e14af579afcaf539b491bfaa96c6893c3c5311a8');
  });

  it('hashes the tracked fields only: a new updateDate keeps the hash, a new title changes it', () => {
    const hearing = normalized(hearingRecord(4244));
    const { hash } = serializeHearing(hearing);
    expect(serializeHearing({ ...hearing, updateDate: '2030-01-01T00:00:00Z' }).hash).toBe(hash);
    expect(serializeHearing({ ...hearing, title: 'Another title' }).hash).not.toBe(hash);
  });
});
