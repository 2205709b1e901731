import type { Selectable } from 'kysely';
import { GatehouseError } from '../../shared/errors.js';
import { newestFirstPage, type Database, type QueryLayer, type Store } from '../store/index.js';

/** One saved version of a task's sensitivity settings (JSON text), with who saved it, why and when. */
export type SensitivityVersionRow = Selectable<Database['sensitivityVersions']>;

type NewSensitivityVersion = Omit<SensitivityVersionRow, 'id' | 'version'>;

/** A store's sensitivity settings per task: every save a new version, the latest in force. */
export function sensitivityVersions(store: Pick<Store, 'queries'>): SensitivityVersions {
  return new SensitivityVersions(store.queries);
}

class SensitivityVersions {
  constructor(private readonly driver: QueryLayer) {}

  async inForce(task: string): Promise<SensitivityVersionRow | null> {
    const row = await this.driver.db.selectFrom('sensitivityVersions').selectAll().where('task', '=', task).orderBy('version', 'desc').limit(1).executeTakeFirst();
    return row ?? null;
  }

  /** The version in force of every task that has one, in one read (the latest of each task, by the unique (task, version) key). */
  async allInForce(): Promise<SensitivityVersionRow[]> {
    return this.driver.db
      .selectFrom('sensitivityVersions')
      .selectAll()
      .where(({ eb, selectFrom }) => eb('version', '=', selectFrom('sensitivityVersions as newer').select((n) => n.fn.max('newer.version').as('version')).whereRef('newer.task', '=', 'sensitivityVersions.task')))
      .execute();
  }

  /**
   * Saves the next version of the task's settings. `basedOn` is the version the new settings were
   * edited from (null: none was saved yet): when another has been saved since, the save is refused
   * with CONFLICT rather than silently replacing it. Two saves racing for one number: the unique
   * (task, version) key refuses the second, which is refused the same way.
   */
  async add(version: NewSensitivityVersion, basedOn?: number | null): Promise<SensitivityVersionRow> {
    let latest: number | null = null;
    try {
      return await this.driver.transaction(async (trx) => {
        const found = await trx.selectFrom('sensitivityVersions').select((eb) => eb.fn.max('version').as('version')).where('task', '=', version.task).executeTakeFirst();
        latest = found?.version == null ? null : Number(found.version);
        if (basedOn !== undefined && basedOn !== latest) await this.refuseStale(version.task, basedOn);
        return trx.insertInto('sensitivityVersions').values({ ...version, version: (latest ?? 0) + 1 }).returningAll().executeTakeFirstOrThrow();
      });
    } catch (error) {
      // Our own refusal, or a failure that is not a racing save having taken the number.
      if (error instanceof GatehouseError) throw error;
      const now = await this.inForce(version.task);
      if (now === null || now.version === latest) throw error;
      return this.refuseStale(version.task, latest);
    }
  }

  private async refuseStale(task: string, basedOn: number | null): Promise<never> {
    const now = await this.inForce(task);
    const saved = now ? `version ${now.version} (saved by ${now.operator} at ${now.at}: ${now.reason})` : 'no saved version';
    throw new GatehouseError('CONFLICT', `${task}'s sensitivity is now ${saved}, not ${basedOn === null ? 'unsaved' : `version ${basedOn}`} as this change started from: someone saved meanwhile; nothing was saved`, {
      hint: 'reload the settings in force, then make the change again if it is still needed',
    });
  }

  /** Newest first; every task unless one is named. */
  async history(options: { task?: string; limit?: number; after?: number } = {}): Promise<SensitivityVersionRow[]> {
    return this.driver.db
      .selectFrom('sensitivityVersions')
      .selectAll()
      .$if(options.task !== undefined, (q) => q.where('task', '=', options.task!))
      .$call((q) => newestFirstPage(q, options, 100))
      .execute();
  }

  /** Whether a task is known: a scheduled task of that name, or a stored run that carried it. */
  async taskExists(task: string): Promise<boolean> {
    const scheduled = await this.driver.db.selectFrom('scheduledTasks').select('name').where('name', '=', task).executeTakeFirst();
    if (scheduled) return true;
    return (await this.driver.db.selectFrom('runs').select('id').where('task', '=', task).limit(1).executeTakeFirst()) !== undefined;
  }
}
