import fs from 'node:fs';
import path from 'node:path';
import { safeStorage } from 'electron';
import { requireSecureStorage } from './hardening.js';

/**
 * The PostgreSQL password, kept by the OS keychain through safeStorage: the settings file holds
 * the URL without its password, and the password encrypted beside it. It never reaches the renderer.
 */
export class DatabaseSecrets {
  constructor(private readonly file: string) {}

  save(connectionUrl: string): string {
    const url = new URL(connectionUrl);
    const password = decodeURIComponent(url.password);
    url.password = '';
    if (password !== '') requireSecureStorage('database password', 'use a .pgpass file or a passwordless local connection');
    const stored = { url: url.toString(), password: password === '' ? null : safeStorage.encryptString(password).toString('base64') };
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    fs.writeFileSync(this.file, JSON.stringify(stored), { mode: 0o600 });
    return url.toString();
  }

  /** Forgets the saved location: the next start uses the embedded SQLite file. */
  clear(): void {
    fs.rmSync(this.file, { force: true });
  }

  /** The full connection URL for the store, or null when none is saved. */
  load(): string | null {
    if (!fs.existsSync(this.file)) return null;
    const stored = JSON.parse(fs.readFileSync(this.file, 'utf8')) as { url: string; password: string | null };
    const url = new URL(stored.url);
    if (stored.password !== null) url.password = encodeURIComponent(safeStorage.decryptString(Buffer.from(stored.password, 'base64')));
    return url.toString();
  }
}
