import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

/**
 * `gatehouse validate --batch` as an outside harness runs it (DESIGN §3): a real child process,
 * NDJSON on stdin, one verdict line per input line.
 */

const DAY_MS = 86_400_000;

interface Entry {
  startedAt: string;
  metrics: { fetched: number; added: number; updated: number };
}

/**
 * Sixty daily runs at 23:30 UTC: Sundays (UTC) bring almost nothing, other days about a hundred.
 * A run at 23:30 on a Sunday is a Monday morning in any zone east of UTC and west of it a Sunday
 * still, so which day a zoneless time means decides the verdict of a quiet run.
 */
function quietSundays(): Entry[] {
  const first = Date.UTC(2026, 0, 5, 23, 30);
  return Array.from({ length: 60 }, (_, day) => {
    const at = new Date(first + day * DAY_MS);
    const sunday = at.getUTCDay() === 0;
    const fetched = sunday ? 5 : 100 + ((day * 37) % 20);
    return { startedAt: at.toISOString(), metrics: { fetched, added: sunday ? 0 : 12, updated: sunday ? 0 : 20 } };
  });
}

const withoutZone = (iso: string) => iso.replace(/\.000Z$/, '');

function batch(lines: string[], env: Record<string, string> = {}) {
  const result = runCli(['validate', '--batch'], { input: lines.map((line) => `${line}\n`).join(''), env });
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  return result.stdout.trimEnd().split('\n').map((line) => JSON.parse(line) as { verdict?: string; error?: unknown });
}

describe('gatehouse validate --batch', () => {
  it('reads a date and time without a zone as UTC, so the verdict does not depend on the machine it runs on', () => {
    const history = quietSundays();
    const quietSunday = { metrics: { fetched: 5, added: 0, updated: 0 } };
    const zoned = JSON.stringify({ history, current: { ...quietSunday, startedAt: '2026-03-08T23:30:00Z' } });
    const zoneless = JSON.stringify({ history: history.map((e) => ({ ...e, startedAt: withoutZone(e.startedAt) })), current: { ...quietSunday, startedAt: '2026-03-08T23:30:00' } });
    const spaced = JSON.stringify({ history, current: { ...quietSunday, startedAt: '2026-03-08 23:30' } });

    const inUtc = batch([zoned, zoneless, spaced], { TZ: 'UTC' });
    expect(inUtc.map((line) => line.verdict)).toEqual(['ok', 'ok', 'ok']);
    expect(batch([zoned, zoneless, spaced], { TZ: 'America/Los_Angeles' })).toEqual(inUtc);
    expect(batch([zoned, zoneless, spaced], { TZ: 'Asia/Kolkata' })).toEqual(inUtc);
  });
});
