import type { UpdateOptions } from '../engine/index.js';

/**
 * The historical validator every console-started run uses (DESIGN §2 step 7). Issue 5 plugs its
 * judge in here — the one place both `gatehouse serve` and the Electron worker read it from, since a
 * function cannot be sent to a worker thread. Until then runs record `validation: null`.
 */
export const consoleJudge: UpdateOptions['judge'] | undefined = undefined;
