import { toRaw } from 'vue';
import { API_METHODS, type ApiInput, type ApiMethod, type ApiOutput, type ApiResult, type OperationEvent, type RunEvent } from '../../../shared/api.js';
import type { ErrorCode } from '../../../shared/errors.js';

/**
 * `live`: events flow. Stopped, `refused` says why when the server answers but refuses this page
 * (its session expired, or a restart signed it out): no waiting brings the events back, a new sign-in does.
 */
export type StreamStatusListener = (live: boolean, refused?: string) => void;

/** How the client reaches the API: the preload bridge (Electron) or HTTP (`gatehouse serve`). */
export interface ApiTransport {
  readonly kind: 'ipc' | 'http';
  invoke(method: ApiMethod, input: unknown): Promise<ApiResult<unknown>>;
  onRunEvent(listener: (event: RunEvent) => void): () => void;
  onOperationEvent(listener: (event: OperationEvent) => void): () => void;
  /** Browser mode: told when the event stream drops (server gone) and when it is back; IPC never drops. */
  onStreamStatus?(listener: StreamStatusListener): () => void;
  /** The desktop's file picker (a `file:` source, null when cancelled); absent in a browser. */
  pickRecordFile?(): Promise<ApiResult<string | null>>;
}

/** What every view talks to; it cannot tell which transport is underneath. */
export interface GatehouseClient {
  call<M extends ApiMethod>(method: M, input?: ApiInput<M>): Promise<ApiOutput<M>>;
  onRunEvent(listener: (event: RunEvent) => void): () => void;
  /** Rollbacks, restores, snapshots and trials in progress, from the same stream as runs. */
  onOperationEvent(listener: (event: OperationEvent) => void): () => void;
  /** Told `false` when run and operation events stop arriving (the server is gone) and `true` when they flow again. */
  onStreamStatus(listener: StreamStatusListener): () => void;
  /** Present in the desktop app only: browser mode uploads the file instead (sources.upload). */
  pickRecordFile?(): Promise<string | null>;
}

export class ApiError extends Error {
  constructor(
    readonly code: ErrorCode | 'TRANSPORT',
    message: string,
    readonly hint?: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** Vue proxies cannot cross IPC or be trusted to serialise: send a plain deep copy. */
export function plain<T>(value: T): T {
  return value === undefined ? value : (JSON.parse(JSON.stringify(toRaw(value))) as T);
}

export function createClient(transport: ApiTransport): GatehouseClient {
  return {
    async call<M extends ApiMethod>(method: M, input?: ApiInput<M>): Promise<ApiOutput<M>> {
      const result = await transport.invoke(method, plain(input));
      if (!result.ok) throw new ApiError(result.error.code, result.error.message, result.error.hint);
      // The other side is checked too: a contract drift shows as an error, not as a broken page.
      const parsed = API_METHODS[method].output.safeParse(result.data);
      if (!parsed.success) throw new ApiError('INTERNAL', `the answer to ${method} does not match the API contract`);
      return parsed.data as ApiOutput<M>;
    },
    onRunEvent: (listener) => transport.onRunEvent(listener),
    onOperationEvent: (listener) => transport.onOperationEvent(listener),
    onStreamStatus: (listener) => transport.onStreamStatus?.(listener) ?? (() => undefined),
    ...(transport.pickRecordFile ? { pickRecordFile: () => pickWith(transport.pickRecordFile!.bind(transport)) } : {}),
  };
}

async function pickWith(pick: () => Promise<ApiResult<string | null>>): Promise<string | null> {
  const result = await pick();
  if (!result.ok) throw new ApiError(result.error.code, result.error.message, result.error.hint);
  return result.data;
}
