import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startCli } from '../helpers/cli.js';

/**
 * Ctrl-C to `gatehouse update` (or `tasks run`) before its run exists — here while it connects to a PostgreSQL
 * server that accepted the connection but does not answer yet, as a loaded one may not — used to
 * end the process by Node's default: exit 130 and not a word. It now says what it stopped and
 * that nothing of a run was written, on stderr and, for --json, on stdout.
 */
let listener: net.Server | null = null;
const sockets: net.Socket[] = [];

afterEach(async () => {
  // close() waits for its connections to end, and the server never ends one.
  for (const socket of sockets.splice(0)) socket.destroy();
  await new Promise<void>((resolve) => (listener ? listener.close(() => resolve()) : resolve()));
  listener = null;
});

/** A TCP server on 127.0.0.1 that takes connections and never answers; resolves with its port and the first connection. */
async function silentServer(): Promise<{ port: number; connected: Promise<void> }> {
  let connectedNow: () => void = () => {};
  const connected = new Promise<void>((resolve) => (connectedNow = resolve));
  listener = net.createServer((socket) => {
    sockets.push(socket);
    socket.on('error', () => {});
    connectedNow();
  });
  const server = listener;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as net.AddressInfo).port, connected };
}

describe('gatehouse update and tasks run stopped before their run exists', () => {
  for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
    it(`${signal} while the database is being opened says so in one line and exits ${code}`, async () => {
      const { port, connected } = await silentServer();
      const update = startCli(['update', '--db', `postgres://postgres@127.0.0.1:${port}/postgres`, '--source', 'synthetic:seed=1,count=10']);
      await connected;
      update.child.kill(signal);
      const stopped = await update.done;
      expect({ code: stopped.code, signal: stopped.signal }, stopped.stderr).toEqual({ code, signal: null });
      expect(stopped.stderr).toBe(`gatehouse: stopped by ${signal} to gatehouse update (pid ${update.child.pid}) while opening the database, before any run was created: no record was written\n`);
      expect(stopped.stdout).toBe('');
    }, 60_000);
  }

  it('`tasks run` stopped by SIGINT while the database is being opened says so too, and exits 130', async () => {
    const { port, connected } = await silentServer();
    const run = startCli(['tasks', 'run', 'nightly', '--db', `postgres://postgres@127.0.0.1:${port}/postgres`]);
    await connected;
    run.child.kill('SIGINT');
    const stopped = await run.done;
    expect({ code: stopped.code, signal: stopped.signal }, stopped.stderr).toEqual({ code: 130, signal: null });
    expect(stopped.stderr).toBe(`gatehouse: stopped by SIGINT to gatehouse tasks run (pid ${run.child.pid}) while opening the database, before any run was created: no record was written\n`);
  }, 60_000);

  it('with --json, the same words reach stdout as an INTERRUPTED error', async () => {
    const { port, connected } = await silentServer();
    const update = startCli(['update', '--db', `postgres://postgres@127.0.0.1:${port}/postgres`, '--source', 'synthetic:seed=1,count=10', '--json']);
    await connected;
    update.child.kill('SIGINT');
    const stopped = await update.done;
    expect(stopped.code, stopped.stderr).toBe(130);
    expect(JSON.parse(stopped.stdout)).toMatchObject({ error: { code: 'INTERRUPTED', message: expect.stringMatching(/^stopped by SIGINT .* before any run was created: no record was written$/) } });
  }, 60_000);
});
