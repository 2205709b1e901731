import { apiResultSchema, type ApiMethod, type ApiResult, type OperationEvent, type RunEvent } from '../../../shared/api.js';
import type { ApiTransport } from './client.js';

/**
 * Browser mode: POST /api/<method> with the session cookie the server set, run and operation
 * events over one shared EventSource (it reconnects on its own after a dropped connection, and the
 * server sends again what it missed).
 */
export function httpTransport(base = ''): ApiTransport {
  const runListeners = new Set<(event: RunEvent) => void>();
  const operationListeners = new Set<(event: OperationEvent) => void>();
  const statusListeners = new Set<(live: boolean) => void>();
  let source: EventSource | null = null;

  function ensureStream(): void {
    if (source) return;
    source = new EventSource(`${base}/api/events`);
    source.addEventListener('run', (message) => {
      const event = JSON.parse((message as MessageEvent<string>).data) as RunEvent;
      for (const listener of runListeners) listener(event);
    });
    // Reconnected after a gap the server no longer holds (it replays shorter ones): what the page
    // shows may be stale, and only reading everything again puts it right.
    source.addEventListener('reset', () => window.location.reload());
    source.addEventListener('operation', (message) => {
      const event = JSON.parse((message as MessageEvent<string>).data) as OperationEvent;
      for (const listener of operationListeners) listener(event);
    });
    // An error is a dropped connection (or a failed retry of it): EventSource keeps retrying by itself.
    source.addEventListener('open', () => statusListeners.forEach((listener) => listener(true)));
    source.addEventListener('error', () => statusListeners.forEach((listener) => listener(false)));
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
        return { ok: false, error: { code: 'DB_UNREACHABLE', message: `the Gatehouse server cannot be reached (${(error as Error).message})`, hint: 'is `gatehouse serve` still running?' } };
      }
      if (response.status === 401 || response.status === 403) {
        // The server says why (expired, never signed in, wrong origin); its sign-in links work once each.
        const why = (await response.text().catch(() => '')).replace(/^(unauthorized|forbidden): /, '');
        return { ok: false, error: { code: 'USAGE', message: `this page is not signed in to the Gatehouse server${why ? `: ${why}` : ''}`, hint: 'open a fresh sign-in link from the terminal running `gatehouse serve`' } };
      }
      const parsed = apiResultSchema.safeParse(await response.json().catch(() => null));
      if (!parsed.success) return { ok: false, error: { code: 'INTERNAL', message: `unexpected answer from the server (HTTP ${response.status})` } };
      return parsed.data as ApiResult<unknown>;
    },
    onRunEvent: (listener) => listen(runListeners, listener),
    onOperationEvent: (listener) => listen(operationListeners, listener),
    onStreamStatus: (listener) => listen(statusListeners, listener),
  };
}
