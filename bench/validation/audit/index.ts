import { generateStream } from './world.js';
import { injectAudit, scaleRun } from './inject.js';
import type { HarnessWorld } from '../harness/world.js';

/** The audit world: its own streams, injections and scaling, measured by the shared harness. */
export const AUDIT_WORLD: HarnessWorld = { generate: generateStream, inject: injectAudit, scale: scaleRun };

/** The audit's draw, fixed before any result was seen. */
export const AUDIT_SEED = 7_2026;
