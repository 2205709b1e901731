import { DEFAULT_BATCH_CEILING, DEFAULT_BATCH_SIZE, MAX_BATCH_SIZE, MIN_BATCH_SIZE } from '../../shared/run.js';

/** The position a kill holds an on/off flag at: one rule for the store and the console's editor. */
export { killedPosition } from '../../shared/api-operations.js';

export type FlagType = 'boolean' | 'integer' | 'string';
/** release: a new code path being rolled out; operational: a tuning knob; kill-switch: turns something off fast. */
export type FlagKind = 'release' | 'operational' | 'kill-switch';
export type FlagValue = boolean | number | string;

export interface FlagDefinition {
  name: string;
  type: FlagType;
  defaultValue: FlagValue;
  description: string;
  kind: FlagKind;
  /** Integers only: the allowed range, inclusive. */
  min?: number;
  max?: number;
  /** Strings only: the allowed values. */
  choices?: readonly string[];
}

export const FLAG_DEFINITIONS = [
  {
    name: 'ENABLE_BATCH_PROCESSING',
    type: 'boolean',
    defaultValue: true,
    kind: 'release',
    description: 'Apply updates in validated batches with checkpoints; off falls back to one all-or-nothing transaction.',
  },
  {
    name: 'BATCH_SIZE',
    type: 'integer',
    defaultValue: DEFAULT_BATCH_SIZE,
    min: MIN_BATCH_SIZE,
    max: MAX_BATCH_SIZE,
    kind: 'operational',
    description: 'Changes per batch transaction (the first batch, and the one after a batch that wrote nothing, when ADAPTIVE_BATCHES is on).',
  },
  {
    name: 'ADAPTIVE_BATCHES',
    type: 'boolean',
    defaultValue: true,
    kind: 'release',
    description: 'Double the next batch after each commit (bad records isolated or none), up to ADAPTIVE_BATCH_CEILING; drop back to BATCH_SIZE after a batch that wrote nothing.',
  },
  {
    name: 'ADAPTIVE_BATCH_CEILING',
    type: 'integer',
    defaultValue: DEFAULT_BATCH_CEILING,
    min: MIN_BATCH_SIZE,
    max: MAX_BATCH_SIZE,
    kind: 'operational',
    description: 'The largest batch ADAPTIVE_BATCHES grows to.',
  },
  {
    name: 'ENABLE_RECORD_ISOLATION',
    type: 'boolean',
    defaultValue: true,
    kind: 'release',
    description: 'Split a failed batch to find and quarantine its bad records, then commit the rest.',
  },
  {
    name: 'ENABLE_HISTORICAL_VALIDATION',
    type: 'boolean',
    defaultValue: true,
    kind: 'release',
    description: "Judge each run's metrics against earlier runs.",
  },
  {
    name: 'BLOCK_ON_ANOMALY',
    type: 'boolean',
    defaultValue: false,
    kind: 'operational',
    description: 'Hold a run the historical validator calls anomalous instead of reporting it only.',
  },
  {
    name: 'ENABLE_SNAPSHOTS',
    type: 'boolean',
    defaultValue: true,
    kind: 'operational',
    description: 'Take a database snapshot before each run so it can be restored.',
  },
  {
    name: 'NOTIFY_ON_ANOMALY',
    type: 'boolean',
    defaultValue: true,
    kind: 'operational',
    description: 'Send a notification when a run is anomalous (failures are always notified).',
  },
  {
    name: 'PAUSE_SCHEDULED_RUNS',
    type: 'boolean',
    defaultValue: false,
    kind: 'kill-switch',
    description: 'Stop the scheduler from starting runs (globally, or for one task); manual runs still work.',
  },
  {
    name: 'HALT_UPDATES',
    type: 'boolean',
    defaultValue: false,
    kind: 'kill-switch',
    description: 'Stop updates (globally, or for one task): a run under way stops as interrupted after the batch it is in commits; new runs and resumes are refused until it is lifted. Staging trials still run.',
  },
] as const satisfies readonly FlagDefinition[];

export type FlagName = (typeof FLAG_DEFINITIONS)[number]['name'];
export type FlagValues = Record<FlagName, FlagValue>;

const BY_NAME = new Map<string, FlagDefinition>(FLAG_DEFINITIONS.map((d) => [d.name, d]));

export function flagDefinition(name: string): FlagDefinition | undefined {
  return BY_NAME.get(name);
}

export function isFlagName(name: string): name is FlagName {
  return BY_NAME.has(name);
}

/** Why a value does not fit its flag, or null when it does. */
export function valueProblem(definition: FlagDefinition, value: unknown): string | null {
  switch (definition.type) {
    case 'boolean':
      return typeof value === 'boolean' ? null : `${definition.name} takes true or false`;
    case 'integer': {
      if (typeof value !== 'number' || !Number.isInteger(value)) return `${definition.name} takes a whole number`;
      if (definition.min !== undefined && value < definition.min) return `${definition.name} must be at least ${definition.min}`;
      if (definition.max !== undefined && value > definition.max) return `${definition.name} must be at most ${definition.max}`;
      return null;
    }
    case 'string':
      if (typeof value !== 'string') return `${definition.name} takes text`;
      if (definition.choices && !definition.choices.includes(value)) return `${definition.name} must be one of ${definition.choices.join(', ')}`;
      return null;
  }
}

/** Parses what an operator typed (`true`, `off`, `200`) into the flag's type; null when it cannot. */
export function parseFlagInput(definition: FlagDefinition, text: string): FlagValue | null {
  const trimmed = text.trim();
  switch (definition.type) {
    case 'boolean':
      if (/^(true|on|yes|1)$/i.test(trimmed)) return true;
      if (/^(false|off|no|0)$/i.test(trimmed)) return false;
      return null;
    case 'integer':
      return /^-?\d+$/.test(trimmed.replace(/[_,]/g, '')) ? Number(trimmed.replace(/[_,]/g, '')) : null;
    case 'string':
      return trimmed;
  }
}
