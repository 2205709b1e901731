import { ipcMain, type IpcMainInvokeEvent, type WebContents } from 'electron';
import { API_METHOD_NAMES, ipcChannelOf, PICK_RECORD_FILE_CHANNEL, type ApiCaller, type ApiHandlers, type ApiResult } from '../../shared/api.js';
import { dispatch } from '../api/index.js';

/** The scheme and host our renderer is served from (see protocol.ts). */
export const APP_SCHEME = 'app';
export const APP_HOST = 'gatehouse';

/**
 * True only for the top frame of our own window showing an app://gatehouse page. Custom schemes
 * have an opaque WHATWG origin ("null"), so scheme and host are compared instead of `origin`.
 */
export function isTrustedSender(event: IpcMainInvokeEvent, trustedContents: () => WebContents | null): boolean {
  const frame = event.senderFrame;
  if (!frame || frame.parent !== null) return false;
  if (event.sender !== trustedContents()) return false;
  try {
    const url = new URL(frame.url);
    return url.protocol === `${APP_SCHEME}:` && url.host === APP_HOST;
  } catch {
    return false;
  }
}

const REFUSED: ApiResult<never> = { ok: false, error: { code: 'USAGE', message: 'refused: the request did not come from the Gatehouse window' } };

/**
 * The one wrapper around ipcMain.handle (VS Code's validated ipcMain): every API method gets a
 * channel, every call is checked for its sender frame, and `dispatch` parses the payload with the
 * method's zod schema and returns the `{ ok, data | error }` envelope. Every call acts as `caller`:
 * the OS user, supplied by main, never named by the page.
 */
export function serveApiOverIpc(handlers: ApiHandlers, trustedContents: () => WebContents | null, caller: ApiCaller): () => void {
  for (const method of API_METHOD_NAMES) {
    ipcMain.handle(ipcChannelOf(method), async (event, payload: unknown) => {
      if (!isTrustedSender(event, trustedContents)) return REFUSED;
      return dispatch(handlers, method, payload, caller);
    });
  }
  return () => API_METHOD_NAMES.forEach((method) => ipcMain.removeHandler(ipcChannelOf(method)));
}

/**
 * The desktop's file picker for the Start-run form: main opens the OS dialog (`pick`) and answers
 * with the chosen file as a `file:` source, so the page never reads the file system itself.
 */
export function serveRecordFilePicker(pick: () => Promise<string | null>, trustedContents: () => WebContents | null): () => void {
  ipcMain.handle(PICK_RECORD_FILE_CHANNEL, async (event): Promise<ApiResult<string | null>> => {
    if (!isTrustedSender(event, trustedContents)) return REFUSED;
    const chosen = await pick();
    return { ok: true, data: chosen === null ? null : `file:${chosen}` };
  });
  return () => ipcMain.removeHandler(PICK_RECORD_FILE_CHANNEL);
}
