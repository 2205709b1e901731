/**
 * The sandboxed preload: exposes one named function per API method and an event subscription —
 * never ipcRenderer itself. Bundled to CJS by electron-vite (sandboxed preloads cannot load ESM).
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import {
  API_METHOD_NAMES,
  ipcChannelOf,
  isOperationEvent,
  PICK_RECORD_FILE_CHANNEL,
  RUN_EVENT_CHANNEL,
  type ApiInput,
  type ApiMethod,
  type ApiOutput,
  type ApiResult,
  type ConsoleEvent,
  type GatehouseBridge,
  type OperationEvent,
  type RunEvent,
} from '../../shared/api.js';

function invoker<M extends ApiMethod>(method: M): (input: ApiInput<M>) => Promise<ApiResult<ApiOutput<M>>> {
  const channel = ipcChannelOf(method);
  return (input) => ipcRenderer.invoke(channel, input) as Promise<ApiResult<ApiOutput<M>>>;
}

const methods = Object.fromEntries(API_METHOD_NAMES.map((method) => [method, invoker(method)])) as {
  [M in ApiMethod]: (input: ApiInput<M>) => Promise<ApiResult<ApiOutput<M>>>;
};

/** Run and operation events share one channel; each subscription gets its own kind. */
function subscribe(wanted: (event: ConsoleEvent) => boolean, listener: (event: ConsoleEvent) => void): () => void {
  const forward = (_event: IpcRendererEvent, consoleEvent: ConsoleEvent) => {
    if (wanted(consoleEvent)) listener(consoleEvent);
  };
  ipcRenderer.on(RUN_EVENT_CHANNEL, forward);
  return () => ipcRenderer.removeListener(RUN_EVENT_CHANNEL, forward);
}

const bridge = {
  ...methods,
  onRunEvent: (listener: (event: RunEvent) => void) => subscribe((event) => !isOperationEvent(event), (event) => listener(event as RunEvent)),
  onOperationEvent: (listener: (event: OperationEvent) => void) => subscribe(isOperationEvent, (event) => listener(event as OperationEvent)),
  pickRecordFile: () => ipcRenderer.invoke(PICK_RECORD_FILE_CHANNEL) as Promise<ApiResult<string | null>>,
} satisfies GatehouseBridge;

contextBridge.exposeInMainWorld('gatehouse', bridge);
