import { wilsonInterval } from '../../shared/intervals.js';

/**
 * The statistics the guardrails stand on, kept small enough to check by hand.
 *
 * Per-record time is judged with an always-valid confidence interval (the normal-mixture
 * sequential probability ratio test of Robbins, as Johari et al. use it in "Always Valid
 * Inference", the method behind Optimizely's and LaunchDarkly's sequential charts). A guardrail is
 * looked at after every run; a fixed-sample interval looked at that often would cry wolf, this one
 * keeps its 1 − α coverage however many times it is peeked at.
 */

/** Half-width of the always-valid interval for an estimate with variance `variance` (mixing variance `mixing`). */
export function alwaysValidHalfWidth(variance: number, mixing: number, alpha = 0.05): number {
  const spread = variance + mixing;
  return Math.sqrt(((2 * variance * spread) / mixing) * (Math.log(1 / alpha) + 0.5 * Math.log(spread / variance)));
}

/**
 * Below this, a sample's spread of log per-record time is not believed: two or three runs of a
 * steady source can agree to the millisecond, and a zero spread would make any difference "certain".
 * 0.05 is a 5 % run-to-run spread, less than the 10 % regression the guardrail looks for.
 */
export const MIN_LOG_SPREAD = 0.05;

export interface MeanDifference {
  estimate: number;
  low: number;
  high: number;
}

/** Canary mean minus control mean of two samples, with an always-valid interval; null when either side is empty. */
export function sequentialDifference(canary: number[], control: number[], mixingScale: number, alpha = 0.05): MeanDifference | null {
  if (canary.length === 0 || control.length === 0) return null;
  const estimate = mean(canary) - mean(control);
  const degrees = canary.length + control.length - 2;
  const pooled = degrees > 0 ? (squaredDeviations(canary) + squaredDeviations(control)) / degrees : 0;
  const variance = Math.max(pooled, MIN_LOG_SPREAD ** 2) * (1 / canary.length + 1 / control.length);
  const half = alwaysValidHalfWidth(variance, mixingScale ** 2, alpha);
  return { estimate, low: estimate - half, high: estimate + half };
}

export interface Proportion {
  rate: number;
  low: number;
  high: number;
}

/**
 * The Wilson score interval for `hits` out of `total` (95 % by default), from the one the gates
 * report with; z stays 1.96 so guardrail evidence reads as it always has. Nothing measured yet is
 * the whole of [0, 1].
 */
export function wilson(hits: number, total: number, z = 1.96): Proportion {
  const interval = wilsonInterval(hits, total, z) ?? { low: 0, high: 1 };
  return { rate: total === 0 ? 0 : hits / total, ...interval };
}

/** Difference of two proportions with Newcombe's interval built from their Wilson intervals (his method 10). */
export function rateDifference(canary: Proportion, control: Proportion): MeanDifference {
  const estimate = canary.rate - control.rate;
  return {
    estimate,
    low: estimate - Math.hypot(canary.rate - canary.low, control.high - control.rate),
    high: estimate + Math.hypot(canary.high - canary.rate, control.rate - control.low),
  };
}

function mean(values: number[]): number {
  return values.reduce((sum, value) => sum + value, 0) / values.length;
}

function squaredDeviations(values: number[]): number {
  const centre = mean(values);
  return values.reduce((sum, value) => sum + (value - centre) ** 2, 0);
}
