import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable, Writable } from 'node:stream';
import { Command } from 'commander';
import { afterAll, describe, expect, it } from 'vitest';
import { registerValidateCommand, validateBatch } from '../../../main/cli/validate.js';
import { validationResultSchema } from '../../../shared/validation.js';
import { SESSION_TUESDAY, caseAt, cleanHistory } from './fixtures.js';

const folder = mkdtempSync(join(tmpdir(), 'gatehouse-validate-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

function file(name: string, content: string): string {
  const path = join(folder, name);
  writeFileSync(path, content);
  return path;
}

async function run(args: string[], stdinText = ''): Promise<string> {
  const stdout = new PassThrough();
  const chunks: string[] = [];
  stdout.on('data', (chunk: Buffer) => chunks.push(chunk.toString()));
  const program = new Command().exitOverride();
  registerValidateCommand(program, { stdin: Readable.from([stdinText]), stdout });
  await program.parseAsync(['node', 'gatehouse', 'validate', ...args]);
  return chunks.join('');
}

describe('gatehouse validate', () => {
  const days = cleanHistory('house-40');
  const spiked = caseAt(days, SESSION_TUESDAY, { kind: 'spike', magnitude: 6 });
  const history = file('history.json', JSON.stringify(spiked.history));
  const current = file('current.json', JSON.stringify(spiked.current));

  it('prints the §3 verdict JSON with --json', async () => {
    const result = validationResultSchema.parse(JSON.parse(await run(['--history', history, '--current', current, '--json'])));
    expect(result.verdict).toBe('anomalous');
    expect(result.historySize).toBe(SESSION_TUESDAY);
  });

  it('prints a short human verdict without --json', async () => {
    const text = await run(['--history', history, '--current', current]);
    expect(text).toMatch(/^anomalous — regime-walk-v2, 288 earlier runs\n {2}! fetched \(above-seasonal-range/);
  });

  it('refuses unreadable, malformed and misshapen files with one line naming the file', async () => {
    await expect(run(['--history', join(folder, 'missing.json'), '--current', current])).rejects.toMatchObject({ code: 'INPUT_INVALID', message: expect.stringMatching(/missing\.json: no such file/) });
    await expect(run(['--history', file('bad.json', '[{'), '--current', current])).rejects.toMatchObject({ code: 'INPUT_INVALID', message: expect.stringMatching(/bad\.json is not valid JSON/) });
    await expect(run(['--history', history, '--current', file('array.json', '[]')])).rejects.toMatchObject({ code: 'INPUT_INVALID', message: expect.stringMatching(/array\.json is not one run object/) });
  });

  it('asks for both files, or --batch alone', async () => {
    await expect(run(['--history', history])).rejects.toMatchObject({ code: 'USAGE' });
    await expect(run(['--batch', '--history', history])).rejects.toMatchObject({ code: 'USAGE' });
  });

  it('--batch writes one line per input line, in order', async () => {
    const lines = [JSON.stringify(spiked), 'not json', JSON.stringify(spiked)].join('\n');
    const output = (await run(['--batch'], `${lines}\n`)).trimEnd().split('\n').map((l) => JSON.parse(l));
    expect(output).toHaveLength(3);
    expect(output[0].verdict).toBe('anomalous');
    expect(output[1].error.code).toBe('INPUT_INVALID');
    expect(output[2]).toEqual(output[0]);
  });

  it('reads files and a --batch stream that start with a byte-order mark', async () => {
    const bom = '\uFEFF';
    const fromFiles = JSON.parse(await run(['--history', file('bom-history.json', bom + JSON.stringify(spiked.history)), '--current', file('bom-current.json', bom + JSON.stringify(spiked.current)), '--json']));
    expect(fromFiles.verdict).toBe('anomalous');
    const output = (await run(['--batch'], `${bom}${JSON.stringify(spiked)}\r\n${JSON.stringify(spiked)}\r\n`)).trimEnd().split('\n').map((l) => JSON.parse(l));
    expect(output).toEqual([fromFiles, fromFiles]);
  });

  it('--batch reads NDJSON files joined with cat, each opening with a byte-order mark and CRLF, the last line without its newline', async () => {
    const bom = '\uFEFF';
    const one = JSON.stringify(spiked);
    const fromFiles = JSON.parse(await run(['--history', file('joined-history.json', JSON.stringify(spiked.history)), '--current', file('joined-current.json', JSON.stringify(spiked.current)), '--json']));
    const output = (await run(['--batch'], `${bom}${one}\r\n${bom}${one}\r\n\r\n${bom}${one}`)).trimEnd().split('\n').map((l) => JSON.parse(l));
    expect(output).toEqual([fromFiles, fromFiles, { error: { code: 'INPUT_INVALID', message: expect.stringMatching(/^line 3: empty line/) } }, fromFiles]);
  });

  it('--batch refuses input with no line to judge (empty, or blank lines only) with nothing written, and answers blank lines that lead to a line with text', async () => {
    const answered = async (input: string[], name?: string) => {
      const chunks: string[] = [];
      const stdout = new Writable({ write: (chunk: Buffer, _encoding, callback) => (chunks.push(chunk.toString()), callback()) });
      const done = validateBatch({ stdin: Readable.from(input), stdout }, undefined, undefined, name).then(() => 'judged', (error: Error) => error.message);
      return { result: await done, stdout: chunks.join('') };
    };
    expect(await answered([])).toEqual({ result: 'validate --batch: stdin is empty: no line to judge (expected NDJSON lines {"history": [...], "current": {...}})', stdout: '' });
    expect(await answered([' \r\n', '\uFEFF\n\t\n'], 'cases.ndjson')).toEqual({ result: 'validate --batch: cases.ndjson holds only blank lines (3): no line to judge (expected NDJSON lines {"history": [...], "current": {...}})', stdout: '' });
    const led = await answered([`\n \n${JSON.stringify(spiked)}\n\n`]);
    expect(led.result).toBe('judged');
    expect(led.stdout.trimEnd().split('\n').map((line) => JSON.parse(line).error?.message.slice(0, 18) ?? JSON.parse(line).verdict)).toEqual(['line 1: empty line', 'line 2: empty line', 'anomalous', 'line 4: empty line']);
  });

  it('--batch ends quietly when the reader of its output goes away', async () => {
    // What a closed pipe does to process.stdout; main/cli/output.ts listens for the error, as here.
    const closed = new Writable({ highWaterMark: 1, write: (_chunk, _encoding, callback) => callback(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' })) });
    closed.on('error', () => {});
    const lines = Array.from({ length: 5 }, () => `${JSON.stringify(spiked)}\n`);
    await expect(validateBatch({ stdin: Readable.from(lines), stdout: closed })).resolves.toBeUndefined();
  });
});
