import type { GatehouseBridge } from '../../../shared/api.js';
import { bridgeTransport } from './bridge-transport.js';
import { createClient, type GatehouseClient } from './client.js';
import { httpTransport } from './http-transport.js';

export { ApiError, createClient, plain, type ApiTransport, type GatehouseClient } from './client.js';

declare global {
  interface Window {
    gatehouse?: GatehouseBridge;
  }
}

/** The preload bridge when Electron provided one, HTTP otherwise. */
export function connect(): { client: GatehouseClient; transport: 'ipc' | 'http' } {
  const transport = window.gatehouse ? bridgeTransport(window.gatehouse) : httpTransport();
  return { client: createClient(transport), transport: transport.kind };
}
