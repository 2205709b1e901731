import type { ApiMethod, ApiResult, GatehouseBridge, OperationEvent, RunEvent } from '../../../shared/api.js';
import type { ApiTransport } from './client.js';

/** Electron: the named functions the preload exposed as `window.gatehouse`. */
export function bridgeTransport(bridge: GatehouseBridge): ApiTransport {
  return {
    kind: 'ipc',
    invoke(method: ApiMethod, input: unknown): Promise<ApiResult<unknown>> {
      const call = bridge[method] as (input: unknown) => Promise<ApiResult<unknown>>;
      return call(input);
    },
    onRunEvent: (listener: (event: RunEvent) => void) => bridge.onRunEvent(listener),
    onOperationEvent: (listener: (event: OperationEvent) => void) => bridge.onOperationEvent(listener),
    pickRecordFile: () => bridge.pickRecordFile(),
  };
}
