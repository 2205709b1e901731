import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openStore, type Store, type StoreOptions } from '../../main/store/index.js';
import { availablePostgresBackend } from './postgres.js';

/**
 * The backends every engine test runs against. Each test gets its own database, removed
 * afterwards. PostgreSQL joins this list once its store exists.
 */
export interface TestBackend {
  name: 'sqlite' | 'postgres';
  /** A fresh, empty database location for one test. */
  freshLocation(): Promise<string>;
  open(location: string, options?: StoreOptions): Promise<Store>;
  cleanup(): Promise<void>;
}

export function sqliteBackend(): TestBackend {
  const folders: string[] = [];
  return {
    name: 'sqlite',
    async freshLocation() {
      const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-test-'));
      folders.push(folder);
      return path.join(folder, 'gatehouse.db');
    },
    open: (location, options) => openStore(location, options),
    async cleanup() {
      for (const folder of folders.splice(0)) fs.rmSync(folder, { recursive: true, force: true });
    },
  };
}

// Asked once per test file at import (describe.each needs the list synchronously).
const postgres = await availablePostgresBackend();

export function testBackends(): TestBackend[] {
  return postgres ? [sqliteBackend(), postgres] : [sqliteBackend()];
}

/** Runs `work` on a store over a fresh database of `backend`, and closes it afterwards. */
export async function withFreshStore<T>(backend: TestBackend, work: (store: Store) => Promise<T>, options?: StoreOptions): Promise<T> {
  return withStoreAt(backend, await backend.freshLocation(), work, options);
}

/** Runs `work` on a store over the database at `location`, and closes it afterwards. */
export async function withStoreAt<T>(backend: TestBackend, location: string, work: (store: Store) => Promise<T>, options?: StoreOptions): Promise<T> {
  const store = await backend.open(location, options);
  try {
    return await work(store);
  } finally {
    await store.close();
  }
}
