import type Database from 'better-sqlite3';
import { runFromRow } from '../rows.js';
import type { NotificationThrottleRepository, ReportedRun, RunReportRepository, ThrottleClaim } from '../operations-types.js';

export class SqliteNotificationThrottle implements NotificationThrottleRepository {
  constructor(private readonly db: Database.Database) {}

  async claim(cause: string, now: Date, windowMs: number): Promise<ThrottleClaim> {
    // IMMEDIATE: two processes claiming the same cause at once must not both send.
    return this.db.transaction((): ThrottleClaim => {
      const row = this.db.prepare('SELECT last_sent_at, folded FROM notification_throttle WHERE cause = ?').get(cause) as
        | { last_sent_at: string; folded: number }
        | undefined;
      if (row && now.getTime() - Date.parse(row.last_sent_at) < windowMs) {
        this.db.prepare('UPDATE notification_throttle SET folded = folded + 1 WHERE cause = ?').run(cause);
        return { send: false, folded: row.folded + 1 };
      }
      this.db
        .prepare(`INSERT INTO notification_throttle (cause, last_sent_at, folded) VALUES (?, ?, 0)
          ON CONFLICT (cause) DO UPDATE SET last_sent_at = excluded.last_sent_at, folded = 0`)
        .run(cause, now.toISOString());
      return { send: true, folded: row?.folded ?? 0 };
    }).immediate();
  }
}

export class SqliteRunReports implements RunReportRepository {
  constructor(private readonly db: Database.Database) {}

  async runs(options: { since?: string; until?: string; task?: string } = {}): Promise<ReportedRun[]> {
    const rows = this.db
      .prepare(`SELECT * FROM runs WHERE (@since IS NULL OR started_at >= @since) AND (@until IS NULL OR started_at < @until)
        AND (@task IS NULL OR task = @task) ORDER BY started_at, id`)
      .all({ since: options.since ?? null, until: options.until ?? null, task: options.task ?? null }) as Record<string, unknown>[];
    return rows.map((row) => ({ ...runFromRow(row), review: (row.review as string | null) ?? null }));
  }

  async hasTable(name: string): Promise<boolean> {
    return this.db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(name) !== undefined;
  }
}
