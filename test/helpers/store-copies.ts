import { execFile } from 'node:child_process';
import fs from 'node:fs';
import { promisify } from 'node:util';
import type { Store } from '../../main/store/index.js';
import type { TestBackend } from './backends.js';
import { connectToPostgres } from './postgres.js';

/**
 * A database built once (migrated, and set up by `build`) and copied for each test that would
 * otherwise build its own alike: a fresh PostgreSQL schema's migrations take ~0.6 s (seconds on a
 * loaded machine) and a set-up of runs more, where a copy is one file copy on SQLite and one
 * script on PostgreSQL. Each copy is a fresh location of `backend`, dropped with its others by
 * `backend.cleanup()`; the template is one too.
 */
export async function storeCopies(backend: TestBackend, build: (store: Store, location: string) => Promise<void>): Promise<() => Promise<string>> {
  const template = await backend.freshLocation();
  const store = await backend.open(template);
  try {
    await build(store, template);
  } finally {
    await store.close();
  }
  if (backend.name === 'sqlite') {
    return async () => {
      const location = await backend.freshLocation();
      // Closed, the store has checkpointed its write-ahead log into the file: the file is the whole database.
      fs.copyFileSync(template, location);
      return location;
    };
  }
  const templateSchema = schemaOf(template);
  // The schema with its rows, as statements naming it (pg_dump qualifies every name); psql's meta-commands dropped.
  const { stdout } = await promisify(execFile)('pg_dump', ['--dbname', postgresServerOf(template), '--schema', templateSchema, '--inserts', '--no-owner', '--no-privileges'], { maxBuffer: 64 * 1024 * 1024 });
  const script = stdout.split('\n').filter((line) => !line.startsWith('\\')).join('\n');
  return async () => {
    const location = await backend.freshLocation();
    const client = await connectToPostgres();
    try {
      await client.query(script.split(templateSchema).join(schemaOf(location)));
    } finally {
      await client.end();
    }
    return location;
  };
}

function schemaOf(location: string): string {
  return new URL(location).searchParams.get('schema')!;
}

/** The server's connection string without the schema parameter, which pg_dump does not take. */
function postgresServerOf(location: string): string {
  const url = new URL(location);
  url.searchParams.delete('schema');
  return url.toString();
}
