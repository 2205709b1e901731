#!/usr/bin/env node
// Renders build/icon.svg into the PNG icons electron-builder packs (build/icons/NxN.png for Linux,
// build/icon.png for Windows and macOS, which it converts). Run after editing the SVG; the PNGs are
// committed, so packaging never needs a browser. Uses the Debian Chromium the browser tests use.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SIZES = [16, 24, 32, 48, 64, 128, 256, 512];
const svg = fs.readFileSync(path.join(root, 'build/icon.svg'), 'utf8');
const executablePath = process.env.PLAYWRIGHT_CHROMIUM_PATH ?? '/usr/bin/chromium';

const browser = await chromium.launch({ executablePath, args: ['--headless', '--no-sandbox', '--disable-gpu'] });
try {
  fs.mkdirSync(path.join(root, 'build/icons'), { recursive: true });
  for (const size of SIZES) {
    const page = await browser.newPage({ viewport: { width: size, height: size }, deviceScaleFactor: 1 });
    const sized = svg.replace(/width="512" height="512"/, `width="${size}" height="${size}"`);
    await page.setContent(`<!doctype html><html><body style="margin:0;background:transparent">${sized}</body></html>`);
    const file = path.join(root, 'build/icons', `${size}x${size}.png`);
    await page.screenshot({ path: file, omitBackground: true, clip: { x: 0, y: 0, width: size, height: size } });
    await page.close();
    process.stdout.write(`${path.relative(root, file)}\n`);
  }
  fs.copyFileSync(path.join(root, 'build/icons/512x512.png'), path.join(root, 'build/icon.png'));
  process.stdout.write('build/icon.png\n');
} finally {
  await browser.close();
}
