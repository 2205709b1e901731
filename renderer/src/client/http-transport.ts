import { apiResultSchema, type ApiMethod, type ApiResult, type RunEvent } from '../../../shared/api.js';
import type { ApiTransport } from './client.js';

/**
 * Browser mode: POST /api/<method> with the token cookie the server set, events over one shared
 * EventSource (it reconnects on its own after a dropped connection).
 */
export function httpTransport(base = ''): ApiTransport {
  const listeners = new Set<(event: RunEvent) => void>();
  let source: EventSource | null = null;

  function ensureStream(): void {
    if (source) return;
    source = new EventSource(`${base}/api/events`);
    source.addEventListener('run', (message) => {
      const event = JSON.parse((message as MessageEvent<string>).data) as RunEvent;
      for (const listener of listeners) listener(event);
    });
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
        return { ok: false, error: { code: 'USAGE', message: 'this page is not signed in to the Gatehouse server', hint: 'open the URL `gatehouse serve` printed again' } };
      }
      const parsed = apiResultSchema.safeParse(await response.json().catch(() => null));
      if (!parsed.success) return { ok: false, error: { code: 'INTERNAL', message: `unexpected answer from the server (HTTP ${response.status})` } };
      return parsed.data as ApiResult<unknown>;
    },
    onRunEvent(listener) {
      listeners.add(listener);
      ensureStream();
      return () => listeners.delete(listener);
    },
  };
}
