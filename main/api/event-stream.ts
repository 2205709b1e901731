import type http from 'node:http';
import { randomBytes } from 'node:crypto';

/** How much of the recent stream is kept for browsers that reconnect (frames, oldest dropped first). */
const BACKLOG_BYTES = 2_000_000;
/**
 * A client that has not read this much of its stream is too slow to keep: its connection is closed
 * (its EventSource reconnects and catches up from the backlog), so one stalled browser tab cannot
 * grow the server's memory without bound.
 */
export const MAX_UNREAD_EVENT_BYTES = 1_000_000;

interface Frame {
  seq: number;
  text: string;
}

/**
 * The console's live event stream (SSE) with ids, so a browser that lost its connection gets what
 * it missed: EventSource reconnects with `Last-Event-ID`, and the frames after that id are sent
 * again from a bounded backlog. When they are no longer all there (a long gap, or a restarted
 * server: ids carry this server's boot tag), the browser is told to reload instead (`event: reset`).
 */
export class EventStreams {
  private readonly clients = new Set<http.ServerResponse>();
  private readonly backlog: Frame[] = [];
  private backlogBytes = 0;
  private nextSeq = 1;
  private readonly boot = randomBytes(4).toString('hex');

  open(response: http.ServerResponse, lastEventId: string | undefined, headers: Record<string, string>): void {
    response.writeHead(200, { ...headers, 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store', Connection: 'keep-alive' });
    response.write(': connected\n\n');
    if (lastEventId !== undefined) this.catchUp(response, lastEventId);
    this.clients.add(response);
    response.on('close', () => this.clients.delete(response));
  }

  broadcast(name: string, data: unknown): void {
    const seq = this.nextSeq++;
    const frame = { seq, text: `id: ${this.boot}-${seq}\nevent: ${name}\ndata: ${JSON.stringify(data)}\n\n` };
    this.remember(frame);
    for (const client of this.clients) this.send(client, frame.text);
  }

  /** A comment line, so proxies and the browser keep an idle connection open. */
  keepalive(): void {
    for (const client of this.clients) this.send(client, ': keepalive\n\n');
  }

  close(): void {
    for (const client of this.clients) client.end();
  }

  private send(client: http.ServerResponse, text: string): void {
    if (client.writableLength > MAX_UNREAD_EVENT_BYTES) {
      this.clients.delete(client);
      client.destroy();
      return;
    }
    client.write(text);
  }

  private catchUp(response: http.ServerResponse, lastEventId: string): void {
    const seq = this.seqOf(lastEventId);
    const oldestKept = this.backlog[0]?.seq ?? this.nextSeq;
    if (seq === null || seq >= this.nextSeq || seq + 1 < oldestKept) {
      response.write(`event: reset\ndata: ${JSON.stringify({ reason: 'events were missed while this page was disconnected; reload it' })}\n\n`);
      return;
    }
    for (const frame of this.backlog) if (frame.seq > seq) response.write(frame.text);
  }

  /** The sequence number of an id this server gave; null for another server's or a malformed one. */
  private seqOf(id: string): number | null {
    const match = /^([0-9a-f]+)-(\d+)$/.exec(id.trim());
    return match && match[1] === this.boot ? Number(match[2]) : null;
  }

  private remember(frame: Frame): void {
    this.backlog.push(frame);
    this.backlogBytes += frame.text.length;
    while (this.backlogBytes > BACKLOG_BYTES && this.backlog.length > 1) this.backlogBytes -= this.backlog.shift()!.text.length;
  }
}
