import { apiResultSchema, type ApiMethod, type ApiResult, type OperationEvent, type RunEvent } from '../../../shared/api.js';
import type { ApiTransport, StreamStatusListener } from './client.js';

/** How long a stream the server answered with an error (not a refusal) waits before it is opened again. */
const STREAM_RETRY_MS = 3_000;

/**
 * A fetch that fails says nothing of whether the server got the request: a rollback or restore sent
 * as the server went may have been done. Trying again blind could repeat a change.
 */
const LOST_ANSWER_HINT = 'is `gatehouse serve` still running? A change sent just then may have been made before its answer was lost: look at what it changes before sending it again';

/** Not the API's answer (a crash in the server, a proxy's error page): as with a lost answer, the request may have been carried out. */
const UNEXPECTED_ANSWER_HINT = 'the terminal running `gatehouse serve` says what went wrong; a change sent just then may have been made: look at what it changes before sending it again';

/** What to do when the server did not say: its sign-in links work once each. */
const SIGN_IN_HINT = 'open a fresh sign-in link from the terminal running `gatehouse serve` (a restarted server signs every page out)';

/**
 * A 401 or 403 in words. A 401's text says why (expired, never signed in, a restart signed every
 * page out) and how to sign in again, whole, for a browser that shows it bare: adding the hint
 * would say the instruction twice. A 403 (or a 401 without text) says no way out: the hint does.
 */
async function signInRefusal(response: Response): Promise<{ code: 'USAGE'; message: string; hint?: string } | null> {
  if (response.status !== 401 && response.status !== 403) return null;
  const why = (await response.text().catch(() => '')).replace(/^(unauthorized|forbidden): /, '');
  const message = `this page is not signed in to the Gatehouse server${why ? `: ${why}` : ''}`;
  return response.status === 401 && why ? { code: 'USAGE', message } : { code: 'USAGE', message, hint: SIGN_IN_HINT };
}

/** A refusal as one line: the server's words, and the hint when they need one. */
function refusalText(refusal: { message: string; hint?: string }): string {
  return refusal.hint ? `${refusal.message} — ${refusal.hint}` : refusal.message;
}

/** Asks `url` once for why the server would not give the stream; null when it is not a refusal (or nothing answers). */
async function refusalOf(url: string): Promise<{ message: string; hint?: string } | null> {
  const controller = new AbortController();
  try {
    const response = await fetch(url, { credentials: 'same-origin', signal: controller.signal });
    return await signInRefusal(response);
  } catch {
    return null;
  } finally {
    // A stream that did open is not read: the retry opens its own.
    controller.abort();
  }
}

/**
 * Browser mode: POST /api/<method> with the session cookie the server set, run and operation
 * events over one shared EventSource (it reconnects on its own after a dropped connection, and the
 * server sends again what it missed).
 */
export function httpTransport(base = ''): ApiTransport {
  const runListeners = new Set<(event: RunEvent) => void>();
  const operationListeners = new Set<(event: OperationEvent) => void>();
  const statusListeners = new Set<StreamStatusListener>();
  let source: EventSource | null = null;
  // The id of the last event heard: a new EventSource (after one closed for good) sends no
  // Last-Event-ID of its own, so it asks with this for what was sent meanwhile (or a reset).
  let lastEventId = '';

  function ensureStream(): void {
    if (source) return;
    source = new EventSource(`${base}/api/events${lastEventId ? `?lastEventId=${encodeURIComponent(lastEventId)}` : ''}`);
    source.addEventListener('run', (message) => {
      lastEventId = (message as MessageEvent<string>).lastEventId || lastEventId;
      const event = JSON.parse((message as MessageEvent<string>).data) as RunEvent;
      for (const listener of runListeners) listener(event);
    });
    // Reconnected after a gap the server no longer holds (it replays shorter ones): what the page
    // shows may be stale, and only reading everything again puts it right.
    source.addEventListener('reset', () => window.location.reload());
    source.addEventListener('operation', (message) => {
      lastEventId = (message as MessageEvent<string>).lastEventId || lastEventId;
      const event = JSON.parse((message as MessageEvent<string>).data) as OperationEvent;
      for (const listener of operationListeners) listener(event);
    });
    // An error is a dropped connection (or a failed retry of it): EventSource keeps retrying by itself —
    // but not after an answer other than the stream (a restarted server refusing this page's session):
    // then it is closed for good, and the page is told why rather than left waiting for a server that answers.
    const opened = source;
    opened.addEventListener('open', () => statusListeners.forEach((listener) => listener(true)));
    opened.addEventListener('error', () => {
      statusListeners.forEach((listener) => listener(false));
      if (opened.readyState === EventSource.CLOSED) void whyClosed(opened);
    });
  }

  /** The stream was answered with something else: a refusal is said; anything else is tried again, as a dropped connection is. */
  async function whyClosed(closed: EventSource): Promise<void> {
    const refusal = await refusalOf(`${base}/api/events`);
    if (source !== closed) return;
    if (refusal) return statusListeners.forEach((listener) => listener(false, refusalText(refusal)));
    source = null;
    setTimeout(ensureStream, STREAM_RETRY_MS);
  }

  function listen<E>(listeners: Set<(event: E) => void>, listener: (event: E) => void): () => void {
    listeners.add(listener);
    ensureStream();
    return () => listeners.delete(listener);
  }

  return {
    kind: 'http',
    async invoke(method: ApiMethod, input: unknown): Promise<ApiResult<unknown>> {
      let response: Response;
      try {
        response = await fetch(`${base}/api/${method}`, {
          method: 'POST',
          credentials: 'same-origin',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify(input ?? {}),
        });
      } catch (error) {
        // The same failure whether the request never left or the server went after doing it and before answering.
        return { ok: false, error: { code: 'DB_UNREACHABLE', message: `the Gatehouse server cannot be reached (${(error as Error).message})`, hint: LOST_ANSWER_HINT } };
      }
      const refused = await signInRefusal(response);
      if (refused) return { ok: false, error: refused };
      const parsed = apiResultSchema.safeParse(await response.json().catch(() => null));
      if (!parsed.success) return { ok: false, error: { code: 'INTERNAL', message: `unexpected answer from the server (HTTP ${response.status})`, hint: UNEXPECTED_ANSWER_HINT } };
      return parsed.data as ApiResult<unknown>;
    },
    onRunEvent: (listener) => listen(runListeners, listener),
    onOperationEvent: (listener) => listen(operationListeners, listener),
    onStreamStatus: (listener) => listen(statusListeners, listener),
  };
}
