// The setup-toolchain action: system packages (from the deb cache when possible) and the toolchain
// layer.
import { join } from 'node:path';
import * as core from '@actions/core';
import { cachePaths } from '../paths.js';
import { readToolchainConfig } from '../toolchain/config.js';
import { installWithDebCache } from './apt-cache.js';
import { runLayersForAction, setLayerOutputs } from './build.js';
import { buildOptionsFromInputs, cacheScopeFromInputs } from './context.js';
import { getBoolean } from './inputs.js';
import { code, keyValueTable, writeSummary } from './summary.js';

/**
 * Installs the wasm toolchain and host build packages (from cached .deb archives when the Actions
 * cache has them) and runs the toolchain layer: fingerprint plus isolated sysroot.
 */
export async function setupToolchainAction(): Promise<void> {
  const opts = buildOptionsFromInputs();
  const cfg = await readToolchainConfig(opts.repoRoot);
  let apt;
  if (getBoolean('install', true)) {
    core.startGroup('System packages');
    try {
      apt = await installWithDebCache(
        cfg.packages,
        opts.cacheDir,
        join(cachePaths(opts.cacheDir).logs, 'apt-install.log'),
        (m) => core.warning(m),
        cacheScopeFromInputs(),
      );
    } finally {
      core.endGroup();
    }
    const what = apt.installed.length
      ? `installed ${apt.installed.join(', ')} (archives ${apt.cacheHit ? 'from the Actions cache' : 'downloaded'}${apt.downloaded ? `, ${apt.downloaded} fetched` : ''})`
      : 'all present';
    core.info(`system packages: ${what}`);
    await writeSummary(
      `### setup-toolchain\n\n${keyValueTable(
        [
          ['Packages', String(cfg.packages.length)],
          [
            'Installed',
            apt.installed.length ? apt.installed.map(code).join(' ') : 'none (all present)',
          ],
          [
            'Package archives',
            apt.installed.length ? (apt.cacheHit ? 'cache hit' : 'downloaded') : '–',
          ],
          ['Downloaded', apt.downloaded ?? '–'],
        ],
        ['System packages', 'Result'],
      )}\n`,
    );
  }
  const run = await runLayersForAction('toolchain layer', ['toolchain'], opts);
  setLayerOutputs('toolchain', run, opts.cacheDir);
  core.setOutput('installed', (apt?.installed ?? []).join(','));
  core.setOutput('apt-cache-hit', String(apt?.cacheHit ?? false));
}
