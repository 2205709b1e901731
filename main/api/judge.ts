import type { UpdateOptions } from '../engine/index.js';
import { historicalJudge } from '../validation/index.js';

/**
 * The historical validator every console-started run uses (DESIGN §2 step 7): the same judge as
 * `gatehouse update` and the scheduler. It is named here — the one place both `gatehouse serve`
 * and the Electron worker read it from — since a function cannot be sent to a worker thread.
 */
export const consoleJudge: UpdateOptions['judge'] = historicalJudge;
