import type Database from 'better-sqlite3';
import type { NormalizedHearing } from '../../../shared/record.js';
import { committeeChamber, parentCommitteeCode } from '../rows.js';
import type { BatchRuleViolation, PlannedChange, StoreOptions } from '../types.js';

type Statement = Database.Statement;

/**
 * Writes hearings and everything that hangs off them, journaling each before-image.
 * The caller owns the transaction; nothing here commits.
 */
export class SqliteHearingWriter {
  private readonly statements: Record<string, Statement>;

  constructor(
    private readonly db: Database.Database,
    private readonly options: StoreOptions,
  ) {
    const prepare = (sql: string) => db.prepare(sql);
    this.statements = {
      committeeExists: prepare('SELECT 1 FROM committees WHERE system_code = ?'),
      insertCommittee: prepare(
        'INSERT INTO committees (system_code, name, chamber, parent_code, created_run_id) VALUES (?, ?, ?, ?, ?)',
      ),
      findWitness: prepare('SELECT id FROM witnesses WHERE normalized_name = ? AND organization_key = ?'),
      insertWitness: prepare(
        'INSERT INTO witnesses (normalized_name, organization_key, name, organization) VALUES (?, ?, ?, ?)',
      ),
      insertHearing: prepare(`INSERT INTO hearings (event_id, congress, chamber, meeting_type, meeting_status, title,
        starts_at, update_date, room, building, address, content_hash, content_json, first_run_id, last_run_id,
        last_batch_seq, last_position) VALUES (@eventId, @congress, @chamber, @type, @status, @title, @startsAt,
        @updateDate, @room, @building, @address, @hash, @content, @runId, @runId, @batchSeq, @position)`),
      updateHearing: prepare(`UPDATE hearings SET congress = @congress, chamber = @chamber, meeting_type = @type,
        meeting_status = @status, title = @title, starts_at = @startsAt, update_date = @updateDate, room = @room,
        building = @building, address = @address, content_hash = @hash, content_json = @content,
        last_run_id = @runId, last_batch_seq = @batchSeq, last_position = @position WHERE event_id = @eventId`),
      hearingRow: prepare('SELECT * FROM hearings WHERE event_id = ?'),
      committeeLinks: prepare('SELECT * FROM hearing_committees WHERE event_id = ? ORDER BY ordinal'),
      appearanceRows: prepare('SELECT * FROM appearances WHERE event_id = ? ORDER BY ordinal'),
      videoRows: prepare('SELECT * FROM videos WHERE event_id = ? ORDER BY ordinal'),
      transcriptRows: prepare('SELECT * FROM transcripts WHERE event_id = ? ORDER BY ordinal'),
      deleteCommitteeLinks: prepare('DELETE FROM hearing_committees WHERE event_id = ?'),
      deleteAppearances: prepare('DELETE FROM appearances WHERE event_id = ?'),
      deleteVideos: prepare('DELETE FROM videos WHERE event_id = ?'),
      deleteTranscripts: prepare('DELETE FROM transcripts WHERE event_id = ?'),
      insertCommitteeLink: prepare(
        'INSERT INTO hearing_committees (event_id, system_code, is_primary, ordinal) VALUES (?, ?, ?, ?)',
      ),
      insertAppearance: prepare('INSERT INTO appearances (event_id, witness_id, ordinal, position) VALUES (?, ?, ?, ?)'),
      insertVideo: prepare('INSERT INTO videos (event_id, ordinal, name, url) VALUES (?, ?, ?, ?)'),
      insertTranscript: prepare('INSERT INTO transcripts (event_id, ordinal, jacket_number, url) VALUES (?, ?, ?, ?)'),
      journal: prepare(`INSERT INTO undo_journal (run_id, batch_seq, entity, entity_key, before_json, after_hash, created_at)
        VALUES (?, ?, ?, ?, ?, ?, ?)`),
      // json_each first and CROSS JOIN: the planner would otherwise scan the run's rows by last_run_id.
      earlierWrites: prepare(`SELECT h.event_id FROM json_each(?) AS j CROSS JOIN hearings AS h
        ON h.event_id = j.value WHERE h.last_run_id = ?`),
      writtenHearings: prepare(`SELECT count(*) AS n FROM json_each(?) AS j CROSS JOIN hearings AS h
        ON h.event_id = j.value WHERE h.last_run_id = ? AND h.last_batch_seq = ?`),
      writtenRelated: prepare(`SELECT
        (SELECT count(*) FROM hearing_committees WHERE event_id IN (SELECT value FROM json_each(@ids)))
        + (SELECT count(*) FROM appearances WHERE event_id IN (SELECT value FROM json_each(@ids)))
        + (SELECT count(*) FROM videos WHERE event_id IN (SELECT value FROM json_each(@ids)))
        + (SELECT count(*) FROM transcripts WHERE event_id IN (SELECT value FROM json_each(@ids))) AS n`),
      danglingLinks: prepare(`SELECT hc.event_id FROM hearing_committees hc
          LEFT JOIN committees c ON c.system_code = hc.system_code
          WHERE hc.event_id IN (SELECT value FROM json_each(@ids)) AND c.system_code IS NULL
        UNION SELECT a.event_id FROM appearances a LEFT JOIN witnesses w ON w.id = a.witness_id
          WHERE a.event_id IN (SELECT value FROM json_each(@ids)) AND w.id IS NULL`),
    };
  }

  write(runId: number, batchSeq: number, changes: PlannedChange[], now: string): { hearings: number; related: number } {
    let hearings = 0;
    let related = 0;
    for (const change of changes) {
      const { hearing } = change;
      if (this.options.failWriteOf?.(hearing.eventId)) throw injectedWriteFault(hearing.eventId);
      this.ensureCommittees(hearing, runId, batchSeq, now);
      const params = hearingParams(change, runId, batchSeq);
      if (change.kind === 'added') {
        this.journal(runId, batchSeq, 'hearing', hearing.eventId, null, change.contentHash, now);
        hearings += this.statements.insertHearing!.run(params).changes;
      } else {
        const before = this.beforeImage(hearing.eventId);
        this.journal(runId, batchSeq, 'hearing', hearing.eventId, before, change.contentHash, now);
        this.deleteRelated(hearing.eventId);
        hearings += this.statements.updateHearing!.run(params).changes;
      }
      related += this.insertRelated(hearing, runId, batchSeq, now);
    }
    return { hearings, related };
  }

  findEarlierWrites(runId: number, eventIds: string[]): BatchRuleViolation[] {
    const rows = this.statements.earlierWrites!.all(JSON.stringify(eventIds), runId) as { event_id: string }[];
    return rows.map((row) => ({
      eventId: row.event_id,
      reason: { code: 'DUPLICATE_EVENT_ID', message: `eventId ${row.event_id} was already written by an earlier batch of this run` },
    }));
  }

  verify(runId: number, batchSeq: number, changes: PlannedChange[]): BatchRuleViolation[] {
    const ids = JSON.stringify(changes.map((change) => change.hearing.eventId));
    const violations: BatchRuleViolation[] = [];
    const dangling = this.statements.danglingLinks!.all({ ids }) as { event_id: string }[];
    for (const row of dangling) {
      violations.push({ eventId: row.event_id, reason: { code: 'WRITE_FAILED', message: `a committee or witness row of ${row.event_id} is missing (foreign key)` } });
    }
    const hearings = (this.statements.writtenHearings!.get(ids, runId, batchSeq) as { n: number }).n;
    const related = (this.statements.writtenRelated!.get({ ids }) as { n: number }).n;
    const plannedRelated = changes.reduce((sum, change) => sum + relatedCount(change.hearing), 0);
    if (hearings !== changes.length || related !== plannedRelated) {
      violations.push({
        eventId: null,
        reason: {
          code: 'WRITE_FAILED',
          message: `wrote ${hearings} hearings and ${related} related rows; planned ${changes.length} and ${plannedRelated}`,
        },
      });
    }
    return violations;
  }

  private ensureCommittees(hearing: NormalizedHearing, runId: number, batchSeq: number, now: string): void {
    for (const committee of hearing.committees) {
      if (this.statements.committeeExists!.get(committee.systemCode)) continue;
      const parent = parentCommitteeCode(committee.systemCode);
      const parentKnown = parent !== null && this.statements.committeeExists!.get(parent) !== undefined;
      this.statements.insertCommittee!.run(
        committee.systemCode,
        committee.name,
        committeeChamber(committee.systemCode),
        parentKnown ? parent : null,
        runId,
      );
      this.journal(runId, batchSeq, 'committee', committee.systemCode, null, null, now);
    }
  }

  private witnessId(witness: NormalizedHearing['witnesses'][number], runId: number, batchSeq: number, now: string): number {
    const organizationKey = (witness.organization ?? '').toLowerCase();
    const found = this.statements.findWitness!.get(witness.normalizedName, organizationKey) as { id: number } | undefined;
    if (found) return found.id;
    const inserted = this.statements.insertWitness!.run(witness.normalizedName, organizationKey, witness.name, witness.organization);
    const id = Number(inserted.lastInsertRowid);
    this.journal(runId, batchSeq, 'witness', String(id), null, null, now);
    return id;
  }

  private insertRelated(hearing: NormalizedHearing, runId: number, batchSeq: number, now: string): number {
    const s = this.statements;
    const id = hearing.eventId;
    let rows = 0;
    hearing.committees.forEach((committee, i) => {
      rows += s.insertCommitteeLink!.run(id, committee.systemCode, i === 0 ? 1 : 0, i).changes;
    });
    hearing.witnesses.forEach((witness, i) => {
      rows += s.insertAppearance!.run(id, this.witnessId(witness, runId, batchSeq, now), i, witness.position).changes;
    });
    hearing.videos.forEach((video, i) => {
      rows += s.insertVideo!.run(id, i, video.name, video.url).changes;
    });
    hearing.transcripts.forEach((transcript, i) => {
      rows += s.insertTranscript!.run(id, i, transcript.jacketNumber, transcript.url).changes;
    });
    return rows;
  }

  private deleteRelated(eventId: string): void {
    const s = this.statements;
    for (const statement of [s.deleteCommitteeLinks, s.deleteAppearances, s.deleteVideos, s.deleteTranscripts]) {
      statement!.run(eventId);
    }
  }

  /** Every row the hearing owns, exactly as stored: what a rollback puts back. */
  private beforeImage(eventId: string): string {
    const s = this.statements;
    return JSON.stringify({
      hearing: s.hearingRow!.get(eventId),
      committees: s.committeeLinks!.all(eventId),
      appearances: s.appearanceRows!.all(eventId),
      videos: s.videoRows!.all(eventId),
      transcripts: s.transcriptRows!.all(eventId),
    });
  }

  private journal(runId: number, batchSeq: number, entity: string, key: string, before: string | null, afterHash: string | null, now: string): void {
    this.statements.journal!.run(runId, batchSeq, entity, key, before, afterHash, now);
  }
}

export function relatedCount(hearing: NormalizedHearing): number {
  return hearing.committees.length + hearing.witnesses.length + hearing.videos.length + hearing.transcripts.length;
}

function hearingParams(change: PlannedChange, runId: number, batchSeq: number) {
  const { hearing } = change;
  return {
    eventId: hearing.eventId,
    congress: hearing.congress,
    chamber: hearing.chamber,
    type: hearing.type,
    status: hearing.meetingStatus,
    title: hearing.title,
    startsAt: hearing.date,
    updateDate: hearing.updateDate,
    room: hearing.location?.room ?? null,
    building: hearing.location?.building ?? null,
    address: hearing.location?.address ?? null,
    hash: change.contentHash,
    content: JSON.stringify(hearing),
    runId,
    batchSeq,
    position: change.position,
  };
}

/** What the fault seam throws: shaped like a driver error so the engine cannot tell the difference. */
export function injectedWriteFault(eventId: string): Error {
  const error = new Error(`disk I/O error (injected fault writing eventId ${eventId})`);
  (error as Error & { code: string }).code = 'SQLITE_IOERR';
  return error;
}
