import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-positional-'));
const db = path.join(folder, 'gatehouse.db');

/** A bad id typed after a command is named as a person says it, whichever command took it, never as the API's field. */
describe('a positional id the command line refuses', () => {
  afterAll(() => fs.rmSync(folder, { recursive: true, force: true }));

  it.each([
    [['runs', 'show', 'abc'], 'run id must be a whole number ≥ 1, got "abc"'],
    [['runs', 'accept', '0', '--reason', 'fine'], 'run id must be a whole number ≥ 1, got "0"'],
    [['flags', 'revert', 'x1', '--reason', 'undo'], 'event id must be a whole number ≥ 1, got "x1"'],
    [['rollout', 'status', '1.5'], 'rollout id must be a whole number ≥ 1, got "1.5"'],
  ])('refuses %j as usage, naming the argument as the other commands do', (args, message) => {
    const result = runCli([...args, '--db', db]);
    expect(result.code).toBe(2);
    expect(result.stderr.trim()).toBe(`gatehouse: ${message}`);
  });
});
