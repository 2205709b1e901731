import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { GatehouseError } from '../../shared/errors.js';
import { MAX_UPLOAD_BYTES, type ApiHandlers } from '../../shared/api.js';
import { openSource } from '../sources/index.js';
import type { Store } from '../store/index.js';
import { requireOperator } from './caller.js';

/**
 * A file the console cannot take as an upload still runs by its path: the console's Source field
 * takes `file:PATH` as the CLI's --source does (the server runs on the browser's computer, 127.0.0.1).
 */
const BY_PATH_HINT = { cli: 'run the file with `gatehouse update --source file:PATH`', console: 'type the file\'s path into Source as file:PATH instead (the server runs on this computer)' };

/**
 * Browser mode has no file path to give: the console sends the file's text, the server keeps it in
 * an `uploads` folder beside the database and answers with the `file:` source to run. A file that
 * is no record file at all (not JSON, the wrong shape, no records) is refused here, before any run,
 * and not kept; bad records inside a good file are the run's business (quarantine with reasons).
 */
export function uploadHandlers(store: Store, uploadsFolder?: string): Pick<ApiHandlers, 'sources.upload'> {
  return {
    'sources.upload': async ({ name, content }, caller) => {
      // A file kept on the server's disk is a write: refused, as every other, until a browser session is named.
      requireOperator(caller);
      const bytes = Buffer.byteLength(content, 'utf8');
      if (bytes > MAX_UPLOAD_BYTES) throw new GatehouseError('INPUT_INVALID', `${name} is ${bytes} bytes; uploads are limited to ${MAX_UPLOAD_BYTES}`, { hint: BY_PATH_HINT });
      const folder = uploadsFolder ?? uploadsBeside(store);
      fs.mkdirSync(folder, { recursive: true });
      const file = path.join(folder, `${new Date().toISOString().replace(/[:.]/g, '-')}-${randomBytes(3).toString('hex')}-${safeName(name)}`);
      fs.writeFileSync(file, content, { flag: 'wx' });
      try {
        const source = await openSource(`file:${file}`);
        if (source.expectedCount === 0) throw new GatehouseError('INPUT_INVALID', `${name} holds no records`, { hint: 'a file source holds a JSON array of committee meetings, NDJSON (one per line) or a {"committeeMeetings": [...]} page' });
        return { source: `file:${file}`, bytes, records: source.expectedCount };
      } catch (error) {
        fs.rmSync(file, { force: true });
        if (error instanceof GatehouseError) throw new GatehouseError(error.code, error.message.replace(file, name), error.hints === undefined ? {} : { hint: error.hints });
        throw error;
      }
    },
  };
}

function uploadsBeside(store: Store): string {
  if (store.backend !== 'sqlite') throw new GatehouseError('UNSUPPORTED', 'this console has no data folder for uploads (PostgreSQL database)', { hint: BY_PATH_HINT });
  return path.join(path.dirname(path.resolve(store.location)), 'uploads');
}

/** The operator's file name, kept readable but never a path. */
function safeName(name: string): string {
  return path.basename(name).replace(/[^A-Za-z0-9._-]/g, '_').slice(-80) || 'upload';
}
