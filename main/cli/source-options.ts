import fs from 'node:fs';
import type { Command } from 'commander';
import * as z from 'zod';
import { GatehouseError } from '../../shared/errors.js';
import { CONGRESS_API_KEY_VARIABLE, DEFAULT_MAX_WAIT_PER_REQUEST_MS, type SourceOptions } from '../sources/index.js';
import { parseOptions } from './input.js';

/** What `update`, `serve`, `tasks run` and `scheduler` all take for the sources they open; one parser, so the two cannot drift. */
export interface SourceFlags {
  congressKeyFile?: string;
  congressMaxWait?: string;
  congressBaseUrl?: string;
}

export interface ParsedSourceFlags {
  /** For the sources opened: the key (from the file, if one was named) and the wait budget. */
  options: Pick<SourceOptions, 'apiKey' | 'maxWaitPerRequestMs' | 'congressBaseUrl'>;
  /** Where the key came from, for a startup line: never the key itself. */
  keyFrom: string | null;
}

const sourceFlagsSchema = z.object({
  // A day: a longer silence is no longer a wait anyone watching would sit out.
  congressMaxWait: z.number().int().min(0).max(86_400).optional(),
});

export function addSourceOptions(command: Command): Command {
  return command
    .option('--congress-key-file <path>', `congress: read the API key from this file (default: $${CONGRESS_API_KEY_VARIABLE})`)
    .option('--congress-base-url <url>', 'congress: read `congress:` sources that name no URL from this http(s) URL (a mirror, a proxy) instead of the public API')
    .option('--congress-max-wait <seconds>', `congress: how long one request may wait between its attempts, all waits together, before the run stops to be resumed (default ${DEFAULT_MAX_WAIT_PER_REQUEST_MS / 1000})`);
}

export function parseSourceFlags(flags: SourceFlags): ParsedSourceFlags {
  const { congressMaxWait } = parseOptions(sourceFlagsSchema, { congressMaxWait: flags.congressMaxWait });
  const options: ParsedSourceFlags['options'] = {};
  if (congressMaxWait !== undefined) options.maxWaitPerRequestMs = congressMaxWait * 1000;
  if (flags.congressBaseUrl !== undefined) options.congressBaseUrl = checkBaseUrl(flags.congressBaseUrl);
  if (flags.congressKeyFile === undefined) return { options, keyFrom: process.env[CONGRESS_API_KEY_VARIABLE] ? `$${CONGRESS_API_KEY_VARIABLE}` : null };
  options.apiKey = readKeyFile(flags.congressKeyFile);
  return { options, keyFrom: flags.congressKeyFile };
}

/** An http(s) URL with no query, fragment or credentials (the key is added to each request's query), without its trailing slash. */
function checkBaseUrl(text: string): string {
  const given = `--congress-base-url ${JSON.stringify(text)}`;
  const url = URL.canParse(text.trim()) ? new URL(text.trim()) : null;
  if (url === null) throw new GatehouseError('USAGE', `${given} is not a URL: give an http(s) URL, e.g. https://api.congress.gov/v3`);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new GatehouseError('USAGE', `${given} must be http or https, not ${url.protocol.slice(0, -1)}`);
  if (url.search !== '' || url.hash !== '' || url.username !== '' || url.password !== '') {
    throw new GatehouseError('USAGE', `${given} takes no query, fragment or credentials`, { hint: `the API key comes from $${CONGRESS_API_KEY_VARIABLE} or --congress-key-file` });
  }
  return url.href.replace(/\/+$/, '');
}

/** One key on one line; a file holding anything else would be sent as a key that cannot work, and read as a refused key. */
function readKeyFile(file: string): string {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new GatehouseError('USAGE', `--congress-key-file ${file} could not be read (${code})`);
  }
  const key = text.trim();
  if (key === '') throw new GatehouseError('USAGE', `--congress-key-file ${file} is empty: it should hold the Congress.gov API key`);
  if (/\s/.test(key)) throw new GatehouseError('USAGE', `--congress-key-file ${file} holds more than one word: it should hold only the Congress.gov API key`);
  return key;
}

/** What runs from Congress.gov will use, said once at startup (the key's source, never the key). */
export function congressLine({ options, keyFrom }: ParsedSourceFlags, withoutKey: string): string {
  const key = keyFrom === null ? withoutKey : `the API key from ${keyFrom}`;
  const waitMs = options.maxWaitPerRequestMs ?? DEFAULT_MAX_WAIT_PER_REQUEST_MS;
  const from = options.congressBaseUrl === undefined ? '' : ` and read \`congress:\` from ${options.congressBaseUrl}`;
  return `congress: runs use ${key}${from}; a request waits at most ${waitMs / 1000} s between its attempts before the run stops`;
}
