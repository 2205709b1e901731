/**
 * A GatehouseClient with no transport: each test answers the methods it needs, and the client
 * checks inputs and answers against the API table the way the real server and client do, so a
 * component sending a payload the server would refuse fails here too.
 */
import { z } from 'zod';
import { API_METHODS, type ApiMethod, type ApiOutput, type OperationEvent, type RunEvent } from '../../../shared/api.js';
import { ApiError, plain, type GatehouseClient } from '../../../renderer/src/client/index.js';
import { unrecognizedFields } from '../../../shared/zod-shape.js';

type Handler<M extends ApiMethod> = (input: z.output<(typeof API_METHODS)[M]['input']>) => ApiOutput<M> | Promise<ApiOutput<M>>;
export type Handlers = { [M in ApiMethod]?: Handler<M> };

export interface Call {
  method: ApiMethod;
  /** As the component sent it (before defaults). */
  input: unknown;
  /** Why the "server" refused the input; absent when it was valid. */
  refused?: string;
}

export interface FakeClient extends GatehouseClient {
  /** Every call the component made, valid or not, in order. */
  readonly calls: Call[];
  /** The inputs sent to one method, as sent. */
  callsOf(method: ApiMethod): unknown[];
  /** Push an event to every listener, as the SSE stream or the preload would. */
  emit(event: RunEvent): void;
  /** Push an operation event, as the same stream would. */
  emitOperation(event: OperationEvent): void;
  /** The event stream dropping (false) or coming back (true), as EventSource tells it. */
  emitStreamStatus(live: boolean): void;
  listenerCount(): number;
}

export function fakeClient(handlers: Handlers = {}): FakeClient {
  const calls: Call[] = [];
  const listeners = new Set<(event: RunEvent) => void>();
  const operationListeners = new Set<(event: OperationEvent) => void>();
  const statusListeners = new Set<(live: boolean) => void>();
  return {
    calls,
    callsOf: (method) => calls.filter((c) => c.method === method).map((c) => c.input),
    async call<M extends ApiMethod>(method: M, sent?: unknown): Promise<ApiOutput<M>> {
      // What the wire carries, as the real client sends it: a plain copy.
      const input = plain(sent);
      const parsed = API_METHODS[method].input.safeParse(input);
      // The server also refuses a key the method does not know (dispatch); so does this.
      const unknown = unrecognizedFields(API_METHODS[method].input, input);
      if (!parsed.success || unknown.length > 0) {
        const refused = `invalid input for ${method}: ${[...unknown, ...(parsed.success ? [] : [z.prettifyError(parsed.error)])].join('; ')}`;
        calls.push({ method, input, refused });
        throw new ApiError('INPUT_INVALID', refused);
      }
      calls.push({ method, input });
      const handler = handlers[method] as Handler<M> | undefined;
      if (!handler) throw new ApiError('INTERNAL', `the fake client has no answer for ${method}`);
      const answer = await handler(parsed.data as never);
      // A fixture that drifts from the contract would make the component test meaningless.
      return API_METHODS[method].output.parse(answer) as ApiOutput<M>;
    },
    onRunEvent(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    emit(event) {
      for (const listener of listeners) listener(event);
    },
    onOperationEvent(listener) {
      operationListeners.add(listener);
      return () => operationListeners.delete(listener);
    },
    onStreamStatus(listener) {
      statusListeners.add(listener);
      return () => statusListeners.delete(listener);
    },
    emitStreamStatus(live) {
      for (const listener of statusListeners) listener(live);
    },
    emitOperation(event) {
      for (const listener of operationListeners) listener(event);
    },
    listenerCount: () => listeners.size,
  };
}
