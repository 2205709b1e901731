import type Database from 'better-sqlite3';
import type { FlagChange, FlagEvent, FlagRepository, StoredFlagValue } from '../operations-types.js';

import { flagEventFromRow } from '../rows.js';

type Row = Record<string, unknown>;

export class SqliteFlagRepository implements FlagRepository {
  constructor(private readonly db: Database.Database) {}

  async values(flag?: string): Promise<StoredFlagValue[]> {
    const rows = this.db
      .prepare('SELECT * FROM flag_values WHERE (@flag IS NULL OR flag = @flag) ORDER BY flag, scope')
      .all({ flag: flag ?? null }) as Row[];
    return rows.map((row) => ({
      flag: String(row.flag),
      scope: String(row.scope),
      valueJson: String(row.value_json),
      updatedAt: String(row.updated_at),
      updatedBy: String(row.updated_by),
    }));
  }

  async change(change: FlagChange): Promise<FlagEvent> {
    return this.db.transaction((): FlagEvent => {
      const old = this.db.prepare('SELECT value_json FROM flag_values WHERE flag = ? AND scope = ?').pluck().get(change.flag, change.scope) as
        | string
        | undefined;
      if (change.valueJson === null) {
        this.db.prepare('DELETE FROM flag_values WHERE flag = ? AND scope = ?').run(change.flag, change.scope);
      } else {
        this.db
          .prepare(`INSERT INTO flag_values (flag, scope, value_json, updated_at, updated_by) VALUES (?, ?, ?, ?, ?)
            ON CONFLICT (flag, scope) DO UPDATE SET value_json = excluded.value_json, updated_at = excluded.updated_at,
            updated_by = excluded.updated_by`)
          .run(change.flag, change.scope, change.valueJson, change.at, change.actor);
      }
      const result = this.db
        .prepare('INSERT INTO flag_events (flag, scope, old_json, new_json, actor, reason, at) VALUES (?, ?, ?, ?, ?, ?, ?)')
        .run(change.flag, change.scope, old ?? null, change.valueJson, change.actor, change.reason, change.at);
      return { id: Number(result.lastInsertRowid), flag: change.flag, scope: change.scope, oldJson: old ?? null, newJson: change.valueJson, actor: change.actor, reason: change.reason, at: change.at };
    }).immediate();
  }

  async history(options: { flag?: string; scope?: string; limit?: number } = {}): Promise<FlagEvent[]> {
    const rows = this.db
      .prepare(`SELECT * FROM flag_events WHERE (@flag IS NULL OR flag = @flag) AND (@scope IS NULL OR scope = @scope)
        ORDER BY id DESC LIMIT @limit`)
      .all({ flag: options.flag ?? null, scope: options.scope ?? null, limit: options.limit ?? 100 }) as Row[];
    return rows.map(flagEventFromRow);
  }

  async event(id: number): Promise<FlagEvent | null> {
    const row = this.db.prepare('SELECT * FROM flag_events WHERE id = ?').get(id) as Row | undefined;
    return row ? flagEventFromRow(row) : null;
  }
}
