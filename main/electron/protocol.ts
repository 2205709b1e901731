import path from 'node:path';
import { protocol } from 'electron';
import { GatehouseError } from '../../shared/errors.js';
import { CONTENT_SECURITY_POLICY, rendererFile, type RendererFile } from '../api/index.js';
import { APP_HOST, APP_SCHEME } from './ipc.js';

/** Must run before `app.ready`: app:// behaves like https (standard, secure) for the renderer. */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } }]);
}

/** Serves renderer/dist at app://gatehouse/, with the CSP as a header too, and nothing outside it. */
export function serveRenderer(rendererRoot: string): void {
  const root = path.resolve(rendererRoot);
  protocol.handle(APP_SCHEME, (request) => {
    const url = new URL(request.url);
    if (url.host !== APP_HOST) return new Response('not found', { status: 404 });
    let file: RendererFile | null;
    try {
      file = rendererFile(root, url.pathname, { fallbackToIndex: false });
    } catch (error) {
      if (error instanceof GatehouseError && error.code === 'INPUT_INVALID') return new Response('bad request', { status: 400 });
      throw error;
    }
    if (file === null) return new Response('not found', { status: 404 });
    // A Buffer is a valid body; typed as a Uint8Array view so both the Node and the DOM typings accept it.
    return new Response(new Uint8Array(file.body.buffer as ArrayBuffer, file.body.byteOffset, file.body.byteLength), {
      headers: { 'Content-Type': file.contentType, 'Content-Security-Policy': CONTENT_SECURITY_POLICY, 'X-Content-Type-Options': 'nosniff' },
    });
  });
}
