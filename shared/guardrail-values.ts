import type { GuardrailName } from './api-rollouts.js';
import { counted } from './plural.js';

/**
 * A guardrail's difference, interval ends and limit as people read them, the same in the console,
 * the CLI and the gate reports. No Node imports: the console uses the same functions.
 */

/** A difference of log times as a percentage; past ×10 the interval of a handful of runs says only "more than". */
export function logRatioPercent(logRatio: number): string {
  const change = (Math.exp(logRatio) - 1) * 100;
  return change > 900 ? '> +900 %' : `${change.toFixed(1)} %`;
}

/** Time is a log ratio: shown as a percentage change; rates as percentage points; data loss as a count of runs. */
export function guardrailValueText(name: GuardrailName, value: number): string {
  if (name === 'per-record-time') return logRatioPercent(value);
  if (name === 'data-loss') return counted(value, 'run');
  return `${(value * 100).toFixed(1)} pts`;
}
