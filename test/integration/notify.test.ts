import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  notificationsForRun,
  Notifier,
  notifyRunOutcome,
  parseWebhookUrl,
  webhookChannel,
  webhookPayload,
  type DeliveredNotification,
  type Notification,
} from '../../main/scheduler/index.js';
import type { Store } from '../../main/store/index.js';
import type { RunSummary } from '../../shared/run.js';
import { testBackends } from '../helpers/backends.js';

/** A webhook receiver on 127.0.0.1, random port, remembering every body it got. */
function startReceiver(status = 200) {
  const bodies: unknown[] = [];
  const server = http.createServer((req, res) => {
    let data = '';
    req.on('data', (chunk) => (data += chunk));
    req.on('end', () => {
      bodies.push(JSON.parse(data));
      res.writeHead(status).end();
    });
  });
  return new Promise<{ url: string; bodies: unknown[]; close: () => Promise<void> }>((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({ url: `http://127.0.0.1:${port}/hook`, bodies, close: () => new Promise((done) => server.close(() => done())) });
    }),
  );
}

const failure: Notification = { cause: 'run-failed', subject: 'daily', level: 'error', title: 'Gatehouse: run 7 failed', body: 'disk full', runId: 7 };

function run(overrides: Partial<RunSummary>): RunSummary {
  return {
    runId: 7,
    status: 'success',
    mode: 'batch',
    batchSize: 50,
    task: 'daily',
    startedAt: '2026-03-01T00:00:00Z',
    finishedAt: '2026-03-01T00:01:00Z',
    metrics: { fetched: 10, added: 10, updated: 0, unchanged: 0, quarantined: 0, durationMs: 100 },
    batches: { total: 1, succeeded: 1, failed: 0, isolated: 0 },
    validation: null,
    ...overrides,
  };
}

describe('notification text', () => {
  it('reaches every channel with the controls of a task name or reason stored before they were refused shown as escapes, line breaks kept', async () => {
    const receiver = await startReceiver();
    const shown: string[] = [];
    const notifier = new Notifier({ store: null, channels: [webhookChannel(receiver.url), { name: 'desktop', send: async (n) => void shown.push(n.title, n.body) }] });
    const [notice] = notificationsForRun(run({ task: 'daily\u001b[31m', status: 'failed', error: 'source gone\nsecond line\u009b2J' }), { notifyOnAnomaly: false });
    await notifier.notify(notice!);
    await receiver.close();
    expect(shown).toEqual(['Gatehouse: task daily\\x1b[31m, run 7 failed', 'source gone\nsecond line\\x9b2J']);
    expect(receiver.bodies).toEqual([expect.objectContaining({ title: 'Gatehouse: task daily\\x1b[31m, run 7 failed', body: 'source gone\nsecond line\\x9b2J' })]);
  });
});

describe('webhook payloads', () => {
  const delivered: DeliveredNotification = { ...failure, at: '2026-03-01T00:00:00.000Z', folded: 2 };

  it('sends Slack its {text} shape, Discord its {content} shape, and everyone else the generic JSON', () => {
    expect(webhookPayload(new URL('https://hooks.slack.com/services/T/B/X'), delivered)).toEqual({ text: 'Gatehouse: run 7 failed\ndisk full (2 more like it since the last message)' });
    expect(webhookPayload(new URL('https://discord.com/api/webhooks/1/abc'), delivered)).toEqual({ content: 'Gatehouse: run 7 failed\ndisk full (2 more like it since the last message)' });
    expect(webhookPayload(new URL('https://example.test/hook'), delivered)).toMatchObject({ source: 'gatehouse', cause: 'run-failed', subject: 'daily', runId: 7, folded: 2 });
  });

  it('refuses a webhook URL that is not http(s)', () => {
    expect(() => parseWebhookUrl('not a url')).toThrow(/not a URL/);
    expect(() => parseWebhookUrl('ftp://example.test/x')).toThrow(/http/);
  });
});

describe('webhook delivery', () => {
  it('sends the credentials of a user:password@ URL as basic auth, which fetch refuses inside a URL', async () => {
    const seen: (string | undefined)[] = [];
    const server = http.createServer((req, res) => {
      seen.push(req.headers.authorization);
      req.resume().on('end', () => res.writeHead(204).end());
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      await webhookChannel(`http://hook%20user:s%3Acret@127.0.0.1:${port}/hook`).send({ ...failure, at: '2026-03-01T00:00:00Z', folded: 0 });
      await webhookChannel(`http://127.0.0.1:${port}/hook`).send({ ...failure, at: '2026-03-01T00:00:00Z', folded: 0 });
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
    expect(seen).toEqual([`Basic ${Buffer.from('hook user:s:cret').toString('base64')}`, undefined]);
  });

  it('says why a webhook cannot be reached, not only "fetch failed"', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    await expect(webhookChannel(`http://127.0.0.1:${port}/hook`).send({ ...failure, at: '2026-03-01T00:00:00Z', folded: 0 })).rejects.toThrow(`webhook 127.0.0.1:${port} unreachable: ECONNREFUSED`);
  });
});

describe('what a run is worth notifying', () => {
  it('names a failed run, an interrupted one, a rollback, failed batches and an anomaly, and nothing for a clean run', () => {
    expect(notificationsForRun(run({}), { notifyOnAnomaly: true })).toEqual([]);
    expect(notificationsForRun(run({ status: 'failed', error: 'boom' }), { notifyOnAnomaly: true }).map((n) => n.cause)).toEqual(['run-failed']);
    expect(notificationsForRun(run({ status: 'rolled_back' }), { notifyOnAnomaly: true }).map((n) => n.cause)).toEqual(['rollback']);
    const outage = notificationsForRun(run({ status: 'interrupted', error: 'the source failed: HTTP 503; nothing was blamed on a record — resume with --resume 7' }), { notifyOnAnomaly: true });
    expect(outage).toMatchObject([{ cause: 'run-interrupted', level: 'warning', body: expect.stringMatching(/resume with --resume 7/) }]);
    expect(notificationsForRun(run({ status: 'partial', batches: { total: 3, succeeded: 2, failed: 1, isolated: 0 } }), { notifyOnAnomaly: true }).map((n) => n.cause)).toEqual(['batch-failed']);
    const anomalous = run({ validation: { verdict: 'anomalous', method: 'm', historySize: 20, anomalies: [{ metric: 'added', rule: 'r', value: 1, expected: 2, low: 1, high: 3, score: 5, message: 'far fewer added than usual' }] } });
    expect(notificationsForRun(anomalous, { notifyOnAnomaly: true })).toMatchObject([{ cause: 'run-anomalous', body: 'far fewer added than usual' }]);
    expect(notificationsForRun(anomalous, { notifyOnAnomaly: false })).toEqual([]);
  });
});

describe.each(testBackends())('notifications on $name', (backend) => {
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  const stores: Store[] = [];
  beforeAll(async () => {
    receiver = await startReceiver();
  });
  afterEach(async () => {
    for (const store of stores.splice(0)) await store.close();
    receiver.bodies.length = 0;
  });
  afterAll(async () => {
    await receiver.close();
    await backend.cleanup();
  });

  async function open(location?: string): Promise<{ store: Store; location: string }> {
    const where = location ?? (await backend.freshLocation());
    const store = await backend.open(where);
    stores.push(store);
    return { store, location: where };
  }

  it('posts to a webhook, then folds repeats of the same cause within the hour and counts them into the next message', async () => {
    const { store } = await open();
    let now = new Date('2026-03-01T10:00:00Z');
    const notifier = new Notifier({ store, clock: () => now, channels: [webhookChannel(receiver.url)] });
    expect(await notifier.notify(failure)).toEqual({ sent: true, folded: 0, channels: [{ channel: 'webhook', delivered: true }] });
    now = new Date('2026-03-01T10:20:00Z');
    expect(await notifier.notify(failure)).toMatchObject({ sent: false, folded: 1 });
    now = new Date('2026-03-01T10:40:00Z');
    expect(await notifier.notify(failure)).toMatchObject({ sent: false, folded: 2 });
    expect(await notifier.notify({ ...failure, cause: 'batch-failed' })).toMatchObject({ sent: true });
    now = new Date('2026-03-01T11:00:01Z');
    expect(await notifier.notify(failure)).toMatchObject({ sent: true, folded: 2 });
    expect(receiver.bodies).toHaveLength(3);
    expect(receiver.bodies[2]).toMatchObject({ cause: 'run-failed', folded: 2, title: 'Gatehouse: run 7 failed' });
  });

  it('shares the throttle between separate connections to the same database', async () => {
    const first = await open();
    const second = await open(first.location);
    const now = new Date('2026-03-01T10:00:00Z');
    const a = new Notifier({ store: first.store, clock: () => now, channels: [webhookChannel(receiver.url)] });
    const b = new Notifier({ store: second.store, clock: () => now, channels: [webhookChannel(receiver.url)] });
    expect((await a.notify(failure)).sent).toBe(true);
    expect((await b.notify(failure)).sent).toBe(false);
    expect(receiver.bodies).toHaveLength(1);
  });

  it('reports a webhook that fails without throwing, and still uses the other channels', async () => {
    const { store } = await open();
    const refusing = await startReceiver(500);
    const logged: string[] = [];
    const warnings: string[] = [];
    const notifier = new Notifier({
      store,
      warn: (m) => warnings.push(m),
      channels: [webhookChannel(refusing.url), { name: 'log', send: async (n) => void logged.push(n.title) }],
    });
    const result = await notifier.notify(failure);
    await refusing.close();
    expect(result).toMatchObject({ sent: true, channels: [{ channel: 'webhook', delivered: false, error: expect.stringContaining('500') }, { channel: 'log', delivered: true }] });
    expect(logged).toEqual(['Gatehouse: run 7 failed']);
    expect(warnings).toHaveLength(1);
  });

  it('says not sent when every channel failed', async () => {
    const { store } = await open();
    const refusing = await startReceiver(500);
    const notifier = new Notifier({ store, warn: () => undefined, channels: [webhookChannel(refusing.url), { name: 'desktop', send: async () => Promise.reject(new Error('no display')) }] });
    const result = await notifier.notify(failure);
    await refusing.close();
    expect(result).toEqual({ sent: false, folded: 0, channels: [{ channel: 'webhook', delivered: false, error: expect.stringContaining('answered 500') }, { channel: 'desktop', delivered: false, error: 'no display' }] });
  });

  it('notifies a failed run once per hour however many times it fails', async () => {
    const { store } = await open();
    const now = new Date('2026-03-01T10:00:00Z');
    const notifier = new Notifier({ store, clock: () => now, channels: [webhookChannel(receiver.url)] });
    for (let i = 0; i < 4; i += 1) await notifyRunOutcome(notifier, run({ runId: i, status: 'failed', error: 'boom' }), { notifyOnAnomaly: true });
    expect(receiver.bodies).toHaveLength(1);
  });
});
