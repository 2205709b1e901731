import { psql } from './postgres.js';

/**
 * A login role for `location`'s schema whose statement_timeout (1s) every write to `tables`
 * outlasts: a statement trigger sleeps 3s on them for this role only, so the store's owner works
 * at full speed beside it. Returns `location` as that role; drop it with `dropSlowRole`.
 */
export async function slowRoleOn(location: string, role: string, tables: string[]): Promise<string> {
  const schema = new URL(location).searchParams.get('schema')!;
  await psql(`CREATE ROLE ${role} LOGIN SUPERUSER`);
  await psql(`ALTER ROLE ${role} SET statement_timeout = '1s'`);
  await psql(`CREATE FUNCTION "${schema}".slow_for_${role}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF current_user = '${role}' THEN PERFORM pg_sleep(3); END IF; RETURN NULL; END $$`);
  for (const table of tables) {
    await psql(`CREATE TRIGGER slow BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON "${schema}".${table} FOR EACH STATEMENT EXECUTE FUNCTION "${schema}".slow_for_${role}()`);
  }
  const timed = new URL(location);
  timed.username = role;
  return timed.toString();
}

/** The role and what it may own (a safety snapshot a failed restore could not remove). */
export async function dropSlowRole(role: string): Promise<void> {
  await psql(`DROP OWNED BY ${role}`).catch(() => undefined);
  await psql(`DROP ROLE IF EXISTS ${role}`);
}
