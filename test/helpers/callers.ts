import type { ApiCaller } from '../../shared/api.js';

/** A caller as the desktop app would vouch for it: a named operator the request body cannot change. */
export function operatorCaller(name: string): ApiCaller {
  return { operator: name, identity: 'os-user' };
}

/** The operator of tests that do not care who acts. */
export const tester = operatorCaller('tester');
