export {
  FLAG_DEFINITIONS,
  flagDefinition,
  isFlagName,
  killedPosition,
  parseFlagInput,
  valueProblem,
  type FlagDefinition,
  type FlagKind,
  type FlagName,
  type FlagType,
  type FlagValue,
  type FlagValues,
} from './definitions.js';
export {
  booleanFlag,
  evaluateAllFlags,
  evaluateFlag,
  flagsToActOn,
  flagToActOn,
  integerFlag,
  resolveRunFlags,
  type FlagContext,
  type FlagErrorCode,
  type FlagReason,
  type FlagResolution,
} from './evaluate.js';
export { actorName, checkFlagValue, unknownFlag, currentOperator, flagEventView, flagHistoryQuery, parseStoredValue, revertFlagEvent, setFlag, unsetFlag, type FlagChangeRequest } from './changes.js';
export { flagStore, type FlagEvent, type StoredFlagValue } from './flag-store.js';
export { flagViews, storedFlagView } from './views.js';
export { GLOBAL_SCOPE, KILL_SCOPE, parseScope, TASK_NAME_PATTERN, taskOfScope, taskScope } from './scope.js';
export { anomalyHold, runOptionsFromFlags, type ExplicitRunOptions, type FlaggedRunOptions } from './run-options.js';
export { MidRunKills } from './mid-run-kills.js';
export { HALT_FLAG, haltInForce, haltStop, haltText, haltThatStopped, refuseWhileHalted, type Halt } from './halt.js';
export { haltAsked } from './halt-requests.js';
