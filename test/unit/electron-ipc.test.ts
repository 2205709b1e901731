import { beforeEach, describe, expect, it, vi } from 'vitest';

type Handler = (event: unknown, payload: unknown) => Promise<unknown>;
const handlers = new Map<string, Handler>();

// The Electron binary is not needed: ipcMain is the only part of electron the wrapper touches.
vi.mock('electron', () => ({
  ipcMain: {
    handle: (channel: string, handler: Handler) => handlers.set(channel, handler),
    removeHandler: (channel: string) => handlers.delete(channel),
  },
}));

const { serveApiOverIpc } = await import('../../main/electron/ipc.js');
const { ipcChannelOf, API_METHOD_NAMES } = await import('../../shared/api.js');

const ourWindow = { id: 1 };
const otherWindow = { id: 2 };
const topFrame = (url: string) => ({ url, parent: null });

function event(sender: object, frame: object | null) {
  return { sender, senderFrame: frame };
}

const runsGet = vi.fn(async ({ runId }: { runId: number }) => ({ runId }));
const osUser = { operator: 'dana', identity: 'os-user' as const };
const flagsSet = vi.fn(async (input: { reason: string }, caller: { operator: string }) => ({ id: 1, flag: 'BATCH_SIZE', scope: 'global', oldValue: null, newValue: 20, operator: caller.operator, reason: input.reason, at: '2026-11-28T12:00:00.000Z', revertsEventId: null, changed: true }));

function call(method: string, evt: unknown, payload: unknown) {
  const handler = handlers.get(ipcChannelOf(method as never));
  if (!handler) throw new Error(`no handler for ${method}`);
  return handler(evt, payload);
}

describe('the IPC wrapper', () => {
  beforeEach(() => {
    handlers.clear();
    runsGet.mockClear();
    flagsSet.mockClear();
    const api = Object.fromEntries(API_METHOD_NAMES.map((m) => [m, vi.fn(async () => [])])) as never;
    serveApiOverIpc({ ...(api as object), 'runs.get': runsGet, 'flags.set': flagsSet } as never, () => ourWindow as never, osUser);
  });

  it('registers one channel per API method', () => {
    expect([...handlers.keys()].sort()).toEqual(API_METHOD_NAMES.map((m) => ipcChannelOf(m)).sort());
  });

  it('answers our window on app://gatehouse with the handler result in the envelope', async () => {
    const result = await call('runs.active', event(ourWindow, topFrame('app://gatehouse/index.html')), {});
    expect(result).toEqual({ ok: true, data: [] });
  });

  it('passes the parsed payload to the handler and still checks its output against the contract', async () => {
    const result = await call('runs.get', event(ourWindow, topFrame('app://gatehouse/index.html')), { runId: 7 });
    expect(runsGet).toHaveBeenCalledWith({ runId: 7 }, osUser);
    expect(result).toMatchObject({ ok: false, error: { code: 'INTERNAL' } });
  });

  it('acts as the OS user main supplied, and refuses a page naming another operator, as HTTP does', async () => {
    const page = event(ourWindow, topFrame('app://gatehouse/index.html'));
    const refused = await call('flags.set', page, { flag: 'BATCH_SIZE', value: 20, reason: 'smaller', operator: 'mallory' });
    expect(refused).toMatchObject({ ok: false, error: { code: 'INPUT_INVALID', message: expect.stringContaining('operator "mallory" is not who is calling (dana)') } });
    expect(flagsSet).not.toHaveBeenCalled();
    const result = await call('flags.set', page, { flag: 'BATCH_SIZE', value: 20, reason: 'smaller', operator: 'dana' });
    expect(result).toMatchObject({ ok: true, data: { operator: 'dana' } });
    expect(flagsSet).toHaveBeenCalledWith({ flag: 'BATCH_SIZE', scope: 'global', value: 20, reason: 'smaller' }, osUser);
  });

  it.each([
    ['another window', event(otherWindow, topFrame('app://gatehouse/index.html'))],
    ['a page from the web', event(ourWindow, topFrame('https://evil.example/'))],
    ['another app:// host', event(ourWindow, topFrame('app://elsewhere/index.html'))],
    ['a file:// page', event(ourWindow, topFrame('file:///tmp/index.html'))],
    ['a subframe', event(ourWindow, { url: 'app://gatehouse/index.html', parent: {} })],
    ['a destroyed frame', event(ourWindow, null)],
  ])('refuses a call from %s without running the handler', async (_name, evt) => {
    const result = await call('runs.get', evt, { runId: 7 });
    expect(result).toMatchObject({ ok: false, error: { message: expect.stringContaining('refused') } });
    expect(runsGet).not.toHaveBeenCalled();
  });

  it.each([[{ runId: 'seven' }], [{ runId: -1 }], [null], ['runs'], [{ runId: 1.5 }]])('refuses the bad payload %j as INPUT_INVALID', async (payload) => {
    const result = await call('runs.get', event(ourWindow, topFrame('app://gatehouse/')), payload);
    expect(result).toMatchObject({ ok: false, error: { code: 'INPUT_INVALID' } });
    expect(runsGet).not.toHaveBeenCalled();
  });

  it.each([
    [{ runID: 7 }, 'runID'],
    [{ runId: 7, limt: 5 }, 'limt'],
  ])('refuses %j naming the unknown field instead of dropping it, without running the handler', async (payload, field) => {
    const result = await call('runs.get', event(ourWindow, topFrame('app://gatehouse/')), payload);
    expect(result).toMatchObject({ ok: false, error: { code: 'INPUT_INVALID', message: expect.stringContaining(`Unrecognized key: "${field}"`) } });
    expect(runsGet).not.toHaveBeenCalled();
  });
});
