import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { WriterNote, WriterNotes } from '../types.js';
import { isProcessAlive } from '../process.js';

/** A note as its file holds it: who left it, until when, and what it says. */
interface NoteFile {
  pid: number;
  host: string;
  until: string;
  body: unknown;
}

const PENDING = '.note';
const TAKEN = '.taken';

/**
 * WriterNotes as files in a folder beside the database (`DB.writer-notes`): one per note, so two
 * processes leaving one at once never overwrite each other. Each step is one rename or unlink, atomic
 * on the file system, so the writer taking a note and its leaver withdrawing it can never both win:
 * the leaver learns whether the writer acts on it. Written whole under a temporary name first, a note
 * is never read half-written.
 */
export class FileWriterNotes implements WriterNotes {
  private readonly folder: string;

  constructor(databaseFile: string) {
    this.folder = `${databaseFile}.writer-notes`;
  }

  leave(body: unknown, until: Date): string {
    const id = `${process.pid}-${randomUUID()}`;
    const note: NoteFile = { pid: process.pid, host: os.hostname(), until: until.toISOString(), body };
    const written = this.file(id, '.writing');
    this.writeInFolder(written, JSON.stringify(note));
    fs.renameSync(written, this.file(id, PENDING));
    return id;
  }

  /** Writes `file`, making the folder first: again if another process removed it, empty, in between (removeFolderIfEmpty). */
  private writeInFolder(file: string, text: string): void {
    for (let attempt = 1; ; attempt++) {
      fs.mkdirSync(this.folder, { recursive: true });
      try {
        fs.writeFileSync(file, text);
        return;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || attempt === 3) throw error;
      }
    }
  }

  pending(): WriterNote[] {
    const notes: WriterNote[] = [];
    for (const name of this.names()) {
      const kind = path.extname(name);
      const id = path.basename(name, kind);
      const note = readNote(path.join(this.folder, name));
      if (note === null) continue;
      // Its writer died before withdrawing it (killed mid-wait), or it outlived its wait: it must never stop a run now.
      if (!isProcessAlive(note.pid, note.host) || Date.parse(note.until) < Date.now()) {
        this.removeFile(name);
        continue;
      }
      if (kind === PENDING) notes.push({ id, body: note.body });
    }
    if (notes.length === 0) this.removeFolderIfEmpty();
    return notes;
  }

  take(id: string): boolean {
    return this.moved(this.file(id, PENDING), this.file(id, TAKEN));
  }

  withdraw(id: string): 'withdrawn' | 'taken' {
    // Not pending any more: taken by the writer, or removed as overdue by a reader (then no one acted on it).
    const taken = !this.moved(this.file(id, PENDING), null) && fs.existsSync(this.file(id, TAKEN));
    this.removeFile(`${id}${TAKEN}`);
    this.removeFolderIfEmpty();
    return taken ? 'taken' : 'withdrawn';
  }

  /** The folder goes with its last note; another process's note left meanwhile keeps it (ENOTEMPTY). */
  private removeFolderIfEmpty(): void {
    try {
      fs.rmdirSync(this.folder);
    } catch {
      // Not empty, or gone already.
    }
  }

  private names(): string[] {
    try {
      return fs.readdirSync(this.folder).filter((name) => name.endsWith(PENDING) || name.endsWith(TAKEN));
    } catch {
      // No folder (no note left, or the last withdrawn); one that cannot be read carries no word either: the run goes on as it would have without it.
      return [];
    }
  }

  private file(id: string, kind: string): string {
    return path.join(this.folder, `${id}${kind}`);
  }

  /** Renames `from` to `to` (removes it when `to` is null): false when it was no longer there. */
  private moved(from: string, to: string | null): boolean {
    try {
      if (to === null) fs.unlinkSync(from);
      else fs.renameSync(from, to);
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw error;
    }
  }

  private removeFile(name: string): void {
    fs.rmSync(path.join(this.folder, name), { force: true });
  }
}

function readNote(file: string): NoteFile | null {
  try {
    const note = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<NoteFile>;
    return typeof note.pid === 'number' && typeof note.host === 'string' && typeof note.until === 'string' ? (note as NoteFile) : null;
  } catch {
    // Taken or withdrawn between the listing and the read, or not a note.
    return null;
  }
}
