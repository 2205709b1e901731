import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { runUpdate } from '../main/engine/index.js';
import { contentHash } from '../main/engine/index.js';
import { openSource } from '../main/sources/index.js';
import { openStore } from '../main/store/index.js';
import { applyRecordRules } from '../main/validation/index.js';
import type { NormalizedHearing } from '../shared/record.js';
import type { RunMode } from '../shared/run.js';

export interface EngineMeasurement {
  records: number;
  mode: RunMode | 'floor';
  ms: number;
  recordsPerSecond: number;
}

function freshDatabase(): { file: string; remove: () => void } {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-bench-'));
  return { file: path.join(folder, 'bench.db'), remove: () => fs.rmSync(folder, { recursive: true, force: true }) };
}

/** End to end, as `gatehouse update` does it: open, lock, fetch, rules, batches, record the run. */
export async function measureUpdate(records: number, mode: RunMode, batchSize = 50): Promise<EngineMeasurement> {
  const { file, remove } = freshDatabase();
  try {
    const started = performance.now();
    const store = await openStore(file);
    const source = await openSource(`synthetic:seed=1,count=${records}`);
    const summary = await runUpdate({ store, source, mode, batchSize });
    await store.close();
    const ms = performance.now() - started;
    if (summary.metrics.added !== records) throw new Error(`bench run added ${summary.metrics.added} of ${records}`);
    return { records, mode, ms, recordsPerSecond: (records / ms) * 1000 };
  } finally {
    remove();
  }
}

/**
 * The floor: the same normalized rows written by a plain prepared-statement upsert loop in one
 * transaction, with no rules, batches, journal or checkpoints. Normalization is done before the
 * clock starts, so the floor is the database's share alone.
 */
export async function measureFloor(records: number): Promise<EngineMeasurement> {
  const { file, remove } = freshDatabase();
  try {
    const store = await openStore(file);
    await store.close();
    const hearings: NormalizedHearing[] = [];
    const source = await openSource(`synthetic:seed=1,count=${records}`);
    for await (const item of source.items()) {
      const outcome = applyRecordRules(item.raw, { isKnownCommittee: () => true });
      if (outcome.ok) hearings.push(outcome.hearing);
    }
    const db = new Database(file);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    const started = performance.now();
    const committee = db.prepare('INSERT INTO committees (system_code, name) VALUES (?, ?) ON CONFLICT DO NOTHING');
    const hearing = db.prepare(`INSERT INTO hearings (event_id, congress, chamber, meeting_type, meeting_status, title, starts_at,
      update_date, room, building, address, content_hash, content_json, first_run_id, last_run_id, last_batch_seq)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, 1, 1)
      ON CONFLICT (event_id) DO UPDATE SET title = excluded.title, content_hash = excluded.content_hash`);
    const link = db.prepare('INSERT OR REPLACE INTO hearing_committees (event_id, system_code, is_primary, ordinal) VALUES (?, ?, ?, ?)');
    const witness = db.prepare(`INSERT INTO witnesses (normalized_name, organization_key, name, organization) VALUES (?, ?, ?, ?)
      ON CONFLICT (normalized_name, organization_key) DO UPDATE SET name = excluded.name RETURNING id`);
    const appearance = db.prepare('INSERT OR REPLACE INTO appearances (event_id, witness_id, ordinal, position) VALUES (?, ?, ?, ?)');
    const video = db.prepare('INSERT OR REPLACE INTO videos (event_id, ordinal, name, url) VALUES (?, ?, ?, ?)');
    const transcript = db.prepare('INSERT OR REPLACE INTO transcripts (event_id, ordinal, jacket_number, url) VALUES (?, ?, ?, ?)');
    db.transaction(() => {
      for (const h of hearings) {
        for (const c of h.committees) committee.run(c.systemCode, c.name);
        hearing.run(h.eventId, h.congress, h.chamber, h.type, h.meetingStatus, h.title, h.date, h.updateDate, h.location?.room ?? null,
          h.location?.building ?? null, h.location?.address ?? null, contentHash(h), JSON.stringify(h));
        h.committees.forEach((c, i) => link.run(h.eventId, c.systemCode, i === 0 ? 1 : 0, i));
        h.witnesses.forEach((w, i) => {
          const { id } = witness.get(w.normalizedName, (w.organization ?? '').toLowerCase(), w.name, w.organization) as { id: number };
          appearance.run(h.eventId, id, i, w.position);
        });
        h.videos.forEach((v, i) => video.run(h.eventId, i, v.name, v.url));
        h.transcripts.forEach((t, i) => transcript.run(h.eventId, i, t.jacketNumber, t.url));
      }
    })();
    const ms = performance.now() - started;
    db.close();
    return { records, mode: 'floor', ms, recordsPerSecond: (records / ms) * 1000 };
  } finally {
    remove();
  }
}
