import { DEFAULT_THRESHOLDS, type AlarmThresholds } from '../../main/validation/index.js';
import { DEVELOPMENT_VARIANTS, type DevelopmentVariant } from './development/world.js';

/**
 * Every bench/validation script's first step: `--help` (or `-h`) prints `usage` and answers true,
 * and the script does nothing else; an option it does not take (`known`: names with their dashes)
 * is refused with the usage. A slip — a misspelt option, `--seed 3` for `--seed=3` — once fell
 * through to a full run on the defaults, minutes long and printing numbers for a draw nobody asked for.
 */
export function answeredHelp(argv: readonly string[], usage: string, known: readonly string[]): boolean {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`${usage}\n`);
    return true;
  }
  const unknown = argv.find((arg) => !known.includes(arg.split('=')[0]!));
  if (unknown !== undefined) throw new Error(`unknown option ${unknown}\n${usage}`);
  return false;
}

/** The text of `--name=text` in `argv`, or undefined when it is not given. */
export function optionValue(argv: readonly string[], name: string): string | undefined {
  return argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
}

/** The development world `--dev-world` names (plain when not given); any other name is refused. */
export function developmentVariant(name: string | undefined, usage = ''): DevelopmentVariant {
  const variant = (name ?? 'plain') as DevelopmentVariant;
  if (!DEVELOPMENT_VARIANTS.includes(variant)) throw new Error(`--dev-world takes ${DEVELOPMENT_VARIANTS.join(' or ')}; got ${variant}${usage && `\n${usage}`}`);
  return variant;
}

/** The seeds `--dev-seed` lists, comma-separated (`fallback` when not given); each must be a whole number. */
export function developmentSeeds(list: string | undefined, fallback: string): number[] {
  const seeds = (list ?? fallback).split(',').map(Number);
  if (!seeds.every(Number.isInteger)) throw new Error(`--dev-seed takes whole numbers separated by commas; got ${list}`);
  return seeds;
}

/** `--thresholds=fetched:3.2,mix:3.5`: alarm thresholds to try instead of the defaults; an unknown name or a bar that is not a positive number is refused. */
export function thresholdOverrides(text: string | undefined): Partial<AlarmThresholds> {
  const pairs = (text ?? '').split(',').filter(Boolean).map((pair) => pair.split(':'));
  for (const [name, bar] of pairs) {
    if (!(name! in DEFAULT_THRESHOLDS)) throw new Error(`--thresholds names one of ${Object.keys(DEFAULT_THRESHOLDS).join(', ')}; got ${name}`);
    if (!(Number(bar) > 0 && Number.isFinite(Number(bar)))) throw new Error(`--thresholds takes a positive number for ${name}; got ${bar}`);
  }
  return Object.fromEntries(pairs.map(([name, bar]) => [name, Number(bar)]));
}
