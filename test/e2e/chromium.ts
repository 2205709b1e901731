import fs from 'node:fs';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/**
 * The Debian chromium (or PLAYWRIGHT_CHROMIUM_PATH). Missing: outside CI the suite skips with one
 * visible line; with CI=true it fails, so a broken CI image cannot pass silently.
 */
export function findChromium(): string | null {
  const candidate = process.env.PLAYWRIGHT_CHROMIUM_PATH ?? '/usr/bin/chromium';
  if (fs.existsSync(candidate)) return candidate;
  const why = `no Chromium at ${candidate} (apt-get install -y chromium, or set PLAYWRIGHT_CHROMIUM_PATH)`;
  if (process.env.CI === 'true') throw new Error(`browser tests cannot run in CI: ${why}`);
  process.stderr.write(`SKIPPED browser e2e tests: ${why}\n`);
  return null;
}
