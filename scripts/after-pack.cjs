// electron-builder's afterPack hook (electron-builder.yml): puts the Electron-ABI better_sqlite3.node
// that scripts/dist.mjs built into the packaged app, in place of the Node-ABI one copied from
// node_modules (which stays on Node's ABI for the tests). It refuses to leave a module the packaged
// Electron cannot load: a missing or wrong-ABI build stops the packaging with the reason.
const fs = require('node:fs');
const path = require('node:path');

const NATIVE_DIR = path.resolve(__dirname, '../out/native');
const MODULE_IN_APP = ['app.asar.unpacked', 'node_modules', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node'];
const ARCH_NAMES = ['ia32', 'x64', 'armv7l', 'arm64', 'universal'];

/** The ABI a V8 addon was built for, read from the symbol Node and Electron look up when loading it. */
function abiOf(file) {
  const match = fs.readFileSync(file).toString('latin1').match(/node_register_module_v(\d+)/);
  return match ? Number(match[1]) : null;
}

/** Where the packaged app's resources are: inside the .app bundle on macOS, beside the binary elsewhere. */
function resourcesDir({ appOutDir, electronPlatformName, productFilename }) {
  return electronPlatformName === 'darwin' || electronPlatformName === 'mas'
    ? path.join(appOutDir, `${productFilename}.app`, 'Contents', 'Resources')
    : path.join(appOutDir, 'resources');
}

/**
 * Copies nativeDir/better_sqlite3.node over the packaged copy after checking it was built for this
 * Electron and architecture (nativeDir/build.json, written by scripts/dist.mjs) and carries its ABI.
 */
function installNativeModule({ resources, nativeDir = NATIVE_DIR, electronVersion, arch }) {
  const built = path.join(nativeDir, 'better_sqlite3.node');
  const manifestFile = path.join(nativeDir, 'build.json');
  if (!fs.existsSync(built) || !fs.existsSync(manifestFile)) {
    throw new Error(`no Electron build of better-sqlite3 in ${nativeDir}: package with \`npm run dist\`, which builds it (calling electron-builder alone ships a module Electron cannot load)`);
  }
  const manifest = JSON.parse(fs.readFileSync(manifestFile, 'utf8'));
  if (manifest.electronVersion !== electronVersion) throw new Error(`better-sqlite3 was built for Electron ${manifest.electronVersion}, but Electron ${electronVersion} is being packaged: run \`npm run dist\` again`);
  if (manifest.arch !== arch) throw new Error(`better-sqlite3 was built for ${manifest.arch}, but ${arch} is being packaged: package on a ${arch} machine`);
  const abi = abiOf(built);
  if (abi !== manifest.abi) throw new Error(`${built} is built for ABI ${abi ?? 'unknown'}, not Electron ${electronVersion}'s ABI ${manifest.abi}`);
  const target = path.join(resources, ...MODULE_IN_APP);
  if (!fs.existsSync(target)) throw new Error(`the packaged app has no ${path.join(...MODULE_IN_APP)}: keep asarUnpack '**/*.node' in electron-builder.yml`);
  fs.copyFileSync(built, target);
  return { target, abi };
}

module.exports = async function afterPack(context) {
  const { target, abi } = installNativeModule({
    resources: resourcesDir({ appOutDir: context.appOutDir, electronPlatformName: context.electronPlatformName, productFilename: context.packager.appInfo.productFilename }),
    electronVersion: context.packager.info.framework.version,
    arch: ARCH_NAMES[context.arch],
  });
  process.stdout.write(`  • better-sqlite3 for Electron (ABI ${abi}) → ${target}\n`);
};
module.exports.installNativeModule = installNativeModule;
module.exports.abiOf = abiOf;
module.exports.resourcesDir = resourcesDir;
