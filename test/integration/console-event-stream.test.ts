import http from 'node:http';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { RunEvent } from '../../shared/run.js';
import { sqliteBackend } from '../helpers/backends.js';
import { openEventStream, servedPerTest, signIn } from '../helpers/console-http.js';

/**
 * The console's live event stream under a team's browsers: one that lost its connection gets what
 * it missed when its EventSource reconnects (or is told to reload when that is gone), and one that
 * stops reading is cut off instead of growing the server's memory without bound. Real HTTP on
 * 127.0.0.1 over a real engine host; the test adds events to the engine's stream itself, so it
 * decides how many and how large they are.
 */
let emit: (event: RunEvent) => void;
// The server streams a tap on the engine's events: the test feeds the stream itself (emit).
const served = servedPerTest(sqliteBackend(), ({ engine }) => ({
  engine: {
    ...engine,
    subscribe: (listener) => {
      const stop = engine.subscribe(listener);
      emit = listener;
      return stop;
    },
  },
}));
let cookie: string;

beforeEach(async () => {
  cookie = await signIn(served.server);
});

const warning = (message: string): RunEvent => ({ type: 'warning', runId: null, message });
const messages = (frames: { data: unknown }[]) => frames.map((frame) => (frame.data as { message?: string }).message);

describe('the live event stream of gatehouse serve', () => {
  it('sends a reconnecting browser the events it missed, in order, once each', async () => {
    const first = openEventStream(served.server, cookie);
    await first.ready;
    emit(warning('one'));
    emit(warning('two'));
    await vi.waitFor(() => expect(messages(first.frames)).toEqual(['one', 'two']));
    first.stop();
    emit(warning('three'));
    emit(warning('four'));

    const again = openEventStream(served.server, cookie, first.frames[1]!.id!);
    await again.ready;
    await vi.waitFor(() => expect(messages(again.frames)).toEqual(['three', 'four']));
    emit(warning('five'));
    await vi.waitFor(() => expect(messages(again.frames)).toEqual(['three', 'four', 'five']));
    const ids = [...first.frames, ...again.frames].map((frame) => frame.id);
    expect(new Set(ids).size).toBe(5);
    again.stop();
  });

  it('sends a page that opened a new stream with ?lastEventId= what it missed, and a reset for an id it did not give', async () => {
    const first = openEventStream(served.server, cookie);
    await first.ready;
    emit(warning('one'));
    await vi.waitFor(() => expect(messages(first.frames)).toEqual(['one']));
    first.stop();
    emit(warning('two'));

    const again = openEventStream(served.server, cookie, first.frames[0]!.id!, 'query');
    await again.ready;
    await vi.waitFor(() => expect(messages(again.frames)).toEqual(['two']));
    again.stop();
    for (const malformed of ['not an id', '-1', `${first.frames[0]!.id!}9999`, '%00']) {
      const wrong = openEventStream(served.server, cookie, malformed, 'query');
      await wrong.ready;
      await vi.waitFor(() => expect(wrong.frames.map((frame) => frame.name)).toEqual(['reset']));
      wrong.stop();
    }
  });

  it('tells a browser to reload when what it missed is no longer held, or came from another server', async () => {
    const first = openEventStream(served.server, cookie);
    await first.ready;
    emit(warning('seen'));
    await vi.waitFor(() => expect(first.frames).toHaveLength(1));
    first.stop();
    const large = 'x'.repeat(64 * 1024);
    for (let i = 0; i < 40; i++) emit(warning(`${i} ${large}`));

    for (const lastEventId of [first.frames[0]!.id!, 'deadbeef-1', 'not an id']) {
      const again = openEventStream(served.server, cookie, lastEventId);
      await again.ready;
      await vi.waitFor(() => expect(again.frames.map((frame) => frame.name)).toEqual(['reset']));
      expect(again.frames[0]!.data).toMatchObject({ reason: expect.stringContaining('reload') });
      again.stop();
    }
  });

  it('cuts off a browser that stops reading, and keeps serving one that reads', async () => {
    let slowClosed = false;
    const slow = await new Promise<http.IncomingMessage>((resolve) => {
      http.get({ host: '127.0.0.1', port: served.server.port, path: '/api/events', headers: { Cookie: cookie } }, (res) => {
        res.pause();
        res.on('close', () => (slowClosed = true));
        resolve(res);
      }).on('error', () => undefined);
    });
    const reader = openEventStream(served.server, cookie);
    await reader.ready;
    // 300 events of 64 KiB: far more than the socket buffers and the server's limit for one client.
    const large = 'x'.repeat(64 * 1024);
    for (let i = 0; i < 300; i++) {
      emit(warning(`${i} ${large}`));
      await vi.waitFor(() => expect(reader.frames).toHaveLength(i + 1), { interval: 1 });
    }
    slow.resume();
    await vi.waitFor(() => expect(slowClosed).toBe(true));
    expect(reader.closed).toBe(false);
    reader.stop();
  });
});
