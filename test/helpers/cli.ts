import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const CLI = path.join(REPO_ROOT, 'bin/gatehouse.js');

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * How long a synchronous CLI call may take. spawnSync blocks the test's thread, so vitest's own test
 * timeout cannot fire while it waits: a CLI that never exits would hang the whole suite (and CI) instead
 * of failing one test. Far above any real call here, even on a loaded 2-core machine.
 */
const CLI_CALL_LIMIT_MS = 150_000;

/** Runs the built CLI (`npm run build` first, as `npm test` does) and waits for it; throws if it does not end. */
export function runCli(args: string[], options: { env?: Record<string, string>; input?: string } = {}): CliResult {
  const result = spawnSync(process.execPath, [CLI, ...args], {
    encoding: 'utf8',
    env: { ...process.env, ...options.env },
    input: options.input,
    maxBuffer: 64 * 1024 * 1024,
    timeout: CLI_CALL_LIMIT_MS,
    killSignal: 'SIGKILL',
  });
  if ((result.error as NodeJS.ErrnoException | undefined)?.code === 'ETIMEDOUT') {
    throw new Error(`gatehouse ${args.join(' ')} did not end within ${CLI_CALL_LIMIT_MS / 1000} s and was killed; its stderr: ${result.stderr.slice(-2000)}`);
  }
  return { code: result.status, signal: result.signal, stdout: result.stdout, stderr: result.stderr };
}

/** Starts the CLI without waiting: for concurrency, kill and signal tests. */
export function startCli(args: string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const done = new Promise<CliResult>((resolve) => {
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return { child, done };
}

/** Resolves with the first match of `pattern` on a started CLI's stderr; rejects if it ends before printing one. */
export function printed(cli: ReturnType<typeof startCli>, pattern: RegExp): Promise<RegExpMatchArray> {
  return new Promise((resolve, reject) => {
    let text = '';
    const seen = (chunk: Buffer) => {
      text += chunk.toString();
      const match = pattern.exec(text);
      if (!match) return;
      cli.child.stderr.off('data', seen);
      resolve(match);
    };
    cli.child.stderr.on('data', seen);
    void cli.done.then(() => reject(new Error(`gatehouse ended before printing ${pattern}: ${text}`)));
  });
}

/** The sign-in URL a started `gatehouse serve` prints on stdout once it listens; rejects if it exits first. */
export function servedUrl(cli: ReturnType<typeof startCli>): Promise<URL> {
  return new Promise<URL>((resolve, reject) => {
    let text = '';
    cli.child.stdout.on('data', (chunk: Buffer) => {
      text += chunk.toString('utf8');
      const found = /http:\/\/127\.0\.0\.1:\d+\/\S*\n/.exec(text);
      if (found) resolve(new URL(found[0].trim()));
    });
    void cli.done.then((result) => reject(new Error(`serve exited (${result.code}): ${result.stderr}`)));
  });
}
