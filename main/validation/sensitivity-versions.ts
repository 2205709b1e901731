import type { Selectable } from 'kysely';
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
   * Saves the next version of the task's settings. Two saves racing for one number: the unique
   * (task, version) key refuses the second, so no version is ever overwritten.
   */
  async add(version: NewSensitivityVersion): Promise<SensitivityVersionRow> {
    return this.driver.transaction(async (trx) => {
      const latest = await trx.selectFrom('sensitivityVersions').select((eb) => eb.fn.max('version').as('version')).where('task', '=', version.task).executeTakeFirst();
      const next = Number(latest?.version ?? 0) + 1;
      return trx.insertInto('sensitivityVersions').values({ ...version, version: next }).returningAll().executeTakeFirstOrThrow();
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

  /** Every known task, by name: the scheduled ones and those stored runs carried. */
  async tasks(): Promise<string[]> {
    const [scheduled, ran] = await Promise.all([
      this.driver.db.selectFrom('scheduledTasks').select('name').execute(),
      this.driver.db.selectFrom('runs').select('task').distinct().where('task', 'is not', null).execute(),
    ]);
    return [...new Set([...scheduled.map((row) => row.name), ...ran.map((row) => row.task!)])].sort();
  }

  /** Whether a task is known: a scheduled task of that name, or a stored run that carried it. */
  async taskExists(task: string): Promise<boolean> {
    const scheduled = await this.driver.db.selectFrom('scheduledTasks').select('name').where('name', '=', task).executeTakeFirst();
    if (scheduled) return true;
    return (await this.driver.db.selectFrom('runs').select('id').where('task', '=', task).limit(1).executeTakeFirst()) !== undefined;
  }
}
