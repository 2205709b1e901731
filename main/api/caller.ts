import { GatehouseError } from '../../shared/errors.js';
import type { ApiCaller, ApiHandlers, CallerView } from '../../shared/api.js';
import { currentOperator } from '../backup/index.js';
import { actorName } from '../flags/index.js';

/** The desktop app and the CLI: the person logged in to this computer. */
export function osUserCaller(): ApiCaller {
  return { operator: currentOperator(), identity: 'os-user' };
}

/**
 * The operator a write is recorded under. Refused, not defaulted, while a browser session has not
 * named itself: an audit row must name a person, not whoever runs the server.
 */
export function requireOperator(caller: ApiCaller): string {
  if (caller.operator !== null) return actorName(caller.operator);
  throw new GatehouseError('USAGE', 'this browser session has not named its operator yet; nothing was changed', {
    hint: 'give your name once (the console asks for it); every change you make is recorded under it',
  });
}

/** Where a caller acts from, said after its name in a run's stop reason and the like. */
const ACTS_FROM: Record<ApiCaller['identity'], string> = { 'os-user': 'from the desktop console', session: 'from the console', 'api-token': 'through the API' };

/**
 * Who asked a run to stop, for its stored reason: "by Ada from the console", "by ci-bot through the
 * API". A stop is refused, as any write is, until a browser session has named its operator.
 */
export function stopRequestedBy(caller: ApiCaller): string {
  return `by ${requireOperator(caller)} ${ACTS_FROM[caller.identity]}`;
}

export function callerView(caller: ApiCaller): CallerView {
  return { operator: caller.operator, identity: caller.identity, canName: caller.operator === null && caller.nameSession !== undefined };
}

type SessionHandlers = Pick<ApiHandlers, 'session.get' | 'session.name'>;

export function sessionHandlers(): SessionHandlers {
  return {
    'session.get': async (_input, caller) => callerView(caller),
    'session.name': async ({ name }, caller) => {
      if (!caller.nameSession) {
        throw new GatehouseError('USAGE', `the operator here is ${caller.operator ?? 'fixed by the app'} and cannot be renamed`, {
          hint: caller.identity === 'os-user' ? 'the desktop app records the user logged in to this computer' : 'API clients act as the user who started `gatehouse serve`',
        });
      }
      if (caller.operator !== null) {
        throw new GatehouseError('CONFLICT', `this session is already named ${caller.operator}`, { hint: 'to act as someone else, sign in with a new link from the terminal running `gatehouse serve`' });
      }
      caller.nameSession(name);
      return { operator: name, identity: caller.identity, canName: false };
    },
  };
}
