import net from 'node:net';
import { connectRelayed } from './tcp-proxy.js';

/**
 * Where a cut at COMMIT falls: `before` the server reads it (the transaction is rolled back when its
 * session goes), or `after` the server has run it and answered (it committed, but the client never
 * hears so): the two cases a client cut off at that moment cannot tell apart.
 */
export type CommitCut = 'before' | 'after';

/**
 * A TCP relay in front of a real PostgreSQL server that cuts a session exactly at the COMMIT of the
 * first transaction to send a statement matching `marked` (e.g. /INSERT INTO "rollback_events"/),
 * once: the client sees its connection drop with no answer to that COMMIT. Reads the client's side
 * of the wire protocol (startup message, then type byte + length frames) so the cut falls on the
 * COMMIT's own message, not on a clock.
 */
export interface CommitCutRelay {
  port: number;
  /** Resolves once the cut has happened. */
  readonly cut: Promise<void>;
  close(): Promise<void>;
}

export async function startCommitCutRelay(target: { host: string; port: number }, marked: RegExp, where: CommitCut): Promise<CommitCutRelay> {
  const sockets = new Set<net.Socket>();
  let done = false;
  let cutHappened!: () => void;
  const cut = new Promise<void>((resolve) => (cutHappened = resolve));

  const relay = (client: net.Socket) => {
    const server = connectRelayed(client, target, sockets);
    const cutBoth = () => {
      client.destroy();
      server.destroy();
      cutHappened();
    };
    let pending = Buffer.alloc(0);
    let started = false;
    let inMarked = false;
    let awaitingCommitAnswer = false;
    client.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      for (;;) {
        const headerLength = started ? 5 : 4;
        if (pending.length < headerLength) return;
        const length = started ? pending.readInt32BE(1) + 1 : pending.readInt32BE(0);
        if (pending.length < length) return;
        const message = pending.subarray(0, length);
        pending = pending.subarray(length);
        if (!started) {
          started = true;
          server.write(message);
          continue;
        }
        const text = statementText(message);
        if (text !== null && !done && marked.test(text)) inMarked = true;
        if (text !== null && inMarked && !done && /^\s*COMMIT\s*;?\s*$/i.test(text)) {
          done = true;
          if (where === 'before') return cutBoth();
          awaitingCommitAnswer = true;
        }
        server.write(message);
      }
    });
    server.on('data', (chunk: Buffer) => {
      // After the COMMIT went out, its answer (CommandComplete) is what the client never gets.
      if (awaitingCommitAnswer) return cutBoth();
      client.write(chunk);
    });
  };

  const listener = net.createServer(relay);
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  return {
    port: (listener.address() as net.AddressInfo).port,
    cut,
    async close() {
      const closed = new Promise<void>((resolve) => listener.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}

/** The SQL of a simple Query ('Q') or a Parse ('P': name, then text) message; null for any other. */
function statementText(message: Buffer): string | null {
  const type = String.fromCharCode(message[0]!);
  const body = message.subarray(5);
  if (type === 'Q') return body.subarray(0, body.indexOf(0)).toString('utf8');
  if (type !== 'P') return null;
  const textStart = body.indexOf(0) + 1;
  return body.subarray(textStart, body.indexOf(0, textStart)).toString('utf8');
}
