import { counted } from '../../shared/plural.js';
import type { RecordSource, SourceItem } from '../sources/index.js';

/** Enough to show what is wrong with a file without burying the summary. */
export const UNREADABLE_SHOWN = 10;

/**
 * The source, reporting each item it could not read (a malformed or non-UTF-8 NDJSON line, a record
 * past a size limit, a failed detail fetch) as one warning line with its line number as it goes —
 * the first UNREADABLE_SHOWN of them, then how many more there were. The items still flow on to be
 * quarantined.
 */
export function reportingUnreadable(source: RecordSource, warn: (message: string) => void): RecordSource {
  return {
    description: source.description,
    expectedCount: source.expectedCount,
    // The run records the window a re-listed source lists (and a task's run widens it): without it a
    // Congress.gov run from the command line recorded none, could not be resumed, and covered nothing.
    listing: source.listing,
    // Likewise the file's fingerprint: without it a command-line run recorded none (a resume over a
    // changed file went unchecked), and a resume from the command line refused every file run.
    fingerprint: source.fingerprint,
    // And what it noticed while it was read: the summary says it (Congress.gov's pagination disagreeing).
    ...(source.warnings ? { warnings: () => source.warnings!() } : {}),
    items: (options) => warnAbout(source.items(options), warn),
  };
}

async function* warnAbout(items: AsyncIterable<SourceItem>, warn: (message: string) => void): AsyncIterable<SourceItem> {
  let unreadable = 0;
  try {
    for await (const item of items) {
      if (item.error) {
        unreadable += 1;
        if (unreadable <= UNREADABLE_SHOWN) warn(`${item.error.message} — quarantined as ${item.error.code}`);
      }
      yield item;
    }
  } finally {
    const unshown = unreadable - UNREADABLE_SHOWN;
    if (unshown > 0) warn(`${counted(unshown, 'more unreadable record')} not shown here, all quarantined`);
  }
}
