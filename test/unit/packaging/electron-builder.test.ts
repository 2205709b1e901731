import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../../..');
const require = createRequire(import.meta.url);
// electron-builder's own loader and schema check, reached through electron-builder so the test uses
// exactly the version `npm run dist` runs.
const builderRequire = createRequire(require.resolve('electron-builder'));
const { getConfig, validateConfiguration } = builderRequire('app-builder-lib/out/util/config/config') as {
  getConfig(projectDir: string, configPath: string | null, configFromOptions: null): Promise<Record<string, unknown>>;
  validateConfiguration(config: Record<string, unknown>, logger: unknown): Promise<void>;
};
const { DebugLogger } = builderRequire('builder-util') as { DebugLogger: new (enabled: boolean) => unknown };
const afterPack = require(path.join(ROOT, 'scripts/after-pack.cjs')) as {
  installNativeModule(options: { resources: string; nativeDir: string; electronVersion: string; arch: string }): { target: string; abi: number };
  abiOf(file: string): number | null;
  resourcesDir(options: { appOutDir: string; electronPlatformName: string; productFilename: string }): string;
};
const packageJson = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string>; devDependencies: Record<string, string> };

async function loadConfig(): Promise<Record<string, unknown>> {
  return getConfig(ROOT, path.join(ROOT, 'electron-builder.yml'), null);
}

/** Width and height from a PNG's IHDR chunk. */
function pngSize(file: string): { width: number; height: number } {
  const bytes = fs.readFileSync(file);
  expect(bytes.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
}

describe('the electron-builder configuration', () => {
  it('passes electron-builder 26.0.20’s own schema check', async () => {
    expect(packageJson.devDependencies['electron-builder']).toBe('26.0.20');
    await expect(validateConfiguration(await loadConfig(), new DebugLogger(false))).resolves.toBeUndefined();
  });

  it('is refused by that check when a key is misspelt, naming the key', async () => {
    const config = await loadConfig();
    const broken = { ...config, linux: { ...(config.linux as object), icn: 'build/icons' } };
    await expect(validateConfiguration(broken, new DebugLogger(false))).rejects.toThrow(/configuration\.linux has an unknown property 'icn'/);
  });

  it('never rebuilds node_modules, unpacks native modules from the asar and swaps in the Electron build after packing', async () => {
    const config = await loadConfig();
    expect(config).toMatchObject({ npmRebuild: false, asarUnpack: ['**/*.node'], afterPack: 'scripts/after-pack.cjs' });
    expect(config.files).toEqual([{ filter: expect.arrayContaining(['out/**', '!out/native/**']) }]);
    expect(Object.values(packageJson.scripts).join('\n')).not.toMatch(/install-app-deps/);
    expect(packageJson.scripts.dist).toBe('node scripts/dist.mjs');
  });

  it('names only resources that exist: real icons of the sizes their names say, and the macOS entitlements', async () => {
    const config = (await loadConfig()) as { directories: { buildResources: string }; linux: { icon: string }; mac: { entitlements: string; entitlementsInherit: string }; afterPack: string };
    expect(config.directories.buildResources).toBe('build');
    const icons = fs.readdirSync(path.join(ROOT, config.linux.icon)).filter((name) => name.endsWith('.png'));
    expect(icons).toEqual(expect.arrayContaining(['16x16.png', '32x32.png', '48x48.png', '256x256.png', '512x512.png']));
    for (const icon of icons) {
      const [width, height] = icon.replace('.png', '').split('x').map(Number);
      expect(pngSize(path.join(ROOT, config.linux.icon, icon))).toEqual({ width, height });
    }
    expect(pngSize(path.join(ROOT, 'build/icon.png'))).toEqual({ width: 512, height: 512 });
    for (const plist of [config.mac.entitlements, config.mac.entitlementsInherit]) expect(fs.readFileSync(path.join(ROOT, plist), 'utf8')).toContain('<key>com.apple.security.cs.allow-jit</key>');
    expect(fs.existsSync(path.join(ROOT, config.afterPack))).toBe(true);
  });
});

describe('putting the Electron build of better-sqlite3 into the packaged app', () => {
  const NODE_BUILD = path.join(ROOT, 'node_modules/better-sqlite3/build/Release/better_sqlite3.node');
  let folder: string;
  let resources: string;
  let nativeDir: string;
  let packaged: string;

  beforeEach(() => {
    folder = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-after-pack-'));
    resources = path.join(folder, 'linux-unpacked/resources');
    nativeDir = path.join(folder, 'native');
    packaged = path.join(resources, 'app.asar.unpacked/node_modules/better-sqlite3/build/Release/better_sqlite3.node');
    fs.mkdirSync(path.dirname(packaged), { recursive: true });
    fs.copyFileSync(NODE_BUILD, packaged);
    fs.mkdirSync(nativeDir);
  });
  afterEach(() => fs.rmSync(folder, { recursive: true, force: true }));

  function electronBuild(abi: number, manifest: Partial<{ electronVersion: string; arch: string; abi: number }> = {}): void {
    // What matters to the check is the registration symbol Electron looks up when loading the module.
    fs.writeFileSync(path.join(nativeDir, 'better_sqlite3.node'), Buffer.concat([Buffer.from('\x7fELF…'), Buffer.from(`node_register_module_v${abi}\0`)]));
    fs.writeFileSync(path.join(nativeDir, 'build.json'), JSON.stringify({ module: 'better-sqlite3', electronVersion: '41.7.1', abi: 145, arch: 'x64', ...manifest }));
  }
  const install = () => afterPack.installNativeModule({ resources, nativeDir, electronVersion: '41.7.1', arch: 'x64' });

  it('reads the ABI a module was built for: Node 20’s is 115', () => {
    expect(afterPack.abiOf(NODE_BUILD)).toBe(115);
  });

  it('replaces the Node-ABI module with the one built for Electron 41 (ABI 145)', () => {
    electronBuild(145);
    expect(install()).toEqual({ target: packaged, abi: 145 });
    expect(afterPack.abiOf(packaged)).toBe(145);
  });

  it('stops the packaging when `npm run dist` did not build one', () => {
    expect(install).toThrow(/no Electron build of better-sqlite3 .*package with `npm run dist`/);
    expect(afterPack.abiOf(packaged)).toBe(115);
  });

  it('stops the packaging when the build carries Node’s ABI instead of Electron’s', () => {
    electronBuild(145);
    fs.copyFileSync(NODE_BUILD, path.join(nativeDir, 'better_sqlite3.node'));
    expect(install).toThrow(/built for ABI 115, not Electron 41\.7\.1's ABI 145/);
    expect(afterPack.abiOf(packaged)).toBe(115);
  });

  it('stops the packaging when the build is for another Electron or another architecture', () => {
    electronBuild(146, { electronVersion: '42.0.0', abi: 146 });
    expect(install).toThrow(/built for Electron 42\.0\.0, but Electron 41\.7\.1 is being packaged/);
    electronBuild(145, { arch: 'arm64' });
    expect(install).toThrow(/built for arm64, but x64 is being packaged/);
  });

  it('stops the packaging when the module was left inside the asar', () => {
    electronBuild(145);
    fs.rmSync(path.join(resources, 'app.asar.unpacked'), { recursive: true });
    expect(install).toThrow(/keep asarUnpack '\*\*\/\*\.node'/);
  });

  it('finds the resources inside the .app bundle on macOS and beside the binary elsewhere', () => {
    expect(afterPack.resourcesDir({ appOutDir: '/r/mac', electronPlatformName: 'darwin', productFilename: 'Gatehouse' })).toBe('/r/mac/Gatehouse.app/Contents/Resources');
    expect(afterPack.resourcesDir({ appOutDir: '/r/linux-unpacked', electronPlatformName: 'linux', productFilename: 'Gatehouse' })).toBe('/r/linux-unpacked/resources');
  });
});
