import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * `gatehouse validate --batch` on one very long line (an outside harness that sends years of hourly
 * runs in one case): the built CLI, timed at a few line sizes, so the cost per MB shows whether it
 * grows with the input alone. An analyst once measured 94 s for one 37 MB line; too slow for a test
 * on a loaded 2-core runner, so it lives here. The last size is over the per-line limit (64 MiB):
 * answered with an error line, unread. Peak memory (maximum RSS, where /usr/bin/time is installed)
 * beside the time: a 60 MB line once peaked near 1.2 GB, most of it copies and garbage of the line.
 */

const here = path.dirname(fileURLToPath(import.meta.url));
const CLI = path.join(here, '..', 'main', 'cli.js');
const HOUR_MS = 3_600_000;

/** One NDJSON line of about `megabytes` MB: hourly runs from 1990 on, and the run after them judged. */
function longLine(megabytes: number): string {
  const perRun = 138; // bytes of one run's JSON, comma included
  const runs = Math.round((megabytes * 1_000_000) / perRun);
  const start = Date.parse('1990-01-01T00:00:00Z');
  const history = Array.from({ length: runs }, (_, i) => ({
    startedAt: new Date(start + i * HOUR_MS).toISOString(),
    metrics: { fetched: 100 + (i % 7), added: 10 + (i % 3), updated: 5, unchanged: 85 + (i % 7) - (i % 3), quarantined: 0, durationMs: 1200 },
  }));
  const current = { startedAt: new Date(start + runs * HOUR_MS).toISOString(), metrics: { fetched: 100, added: 10, updated: 5 } };
  return `${JSON.stringify({ id: `${megabytes} MB`, history, current })}\n`;
}

export interface LongLineResult {
  megabytes: number;
  bytes: number;
  seconds: number;
  /** Maximum resident set of the CLI's process, in MB; null without /usr/bin/time. */
  peakRssMb: number | null;
  answer: string;
}

const TIME = '/usr/bin/time';

/** `validate --batch FILE` in a child, under GNU time when there is one (it prints the peak RSS in KB last on stderr). */
function validateBatchFile(file: string): { status: number | null; stdout: string; stderr: string; peakRssMb: number | null } {
  const command = [CLI, 'validate', '--batch', file];
  const timed = fs.existsSync(TIME);
  const result = timed
    ? spawnSync(TIME, ['-f', 'peak-rss-kb %M', process.execPath, ...command], { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 })
    : spawnSync(process.execPath, command, { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
  const peak = timed ? /peak-rss-kb (\d+)\s*$/.exec(result.stderr) : null;
  const stderr = peak ? result.stderr.slice(0, peak.index) : result.stderr;
  return { status: result.status, stdout: result.stdout, stderr, peakRssMb: peak ? Math.round(Number(peak[1]) / 1024) : null };
}

export function measureLongLines(sizes: readonly number[] = [4, 37, 70]): LongLineResult[] {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-long-line-'));
  try {
    return sizes.map((megabytes) => {
      const file = path.join(folder, `${megabytes}.ndjson`);
      fs.writeFileSync(file, longLine(megabytes));
      const bytes = fs.statSync(file).size;
      const started = process.hrtime.bigint();
      const result = validateBatchFile(file);
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      fs.rmSync(file);
      const answer = JSON.parse(result.stdout.trim() || '{}') as { verdict?: string; error?: { message: string } };
      return { megabytes, bytes, seconds, peakRssMb: result.peakRssMb, answer: result.status !== 0 ? `exit ${result.status}: ${result.stderr.trim()}` : (answer.verdict ?? answer.error?.message.slice(0, 60) ?? '?') };
    });
  } finally {
    fs.rmSync(folder, { recursive: true, force: true });
  }
}

export function formatLongLines(results: readonly LongLineResult[]): string {
  const rows = results.map((r) => `| ${(r.bytes / 1e6).toFixed(1)} | ${r.seconds.toFixed(1)} | ${((r.seconds * 1000) / (r.bytes / 1e6)).toFixed(0)} | ${r.peakRssMb ?? '?'} | ${r.answer} |`);
  return ['| validate --batch, one line (MB) | seconds | ms per MB | peak RSS (MB) | answer |', '|---:|---:|---:|---:|---|', ...rows].join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) console.log(formatLongLines(measureLongLines()));
