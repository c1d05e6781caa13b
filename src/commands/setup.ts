// `faasm-python setup`: installs the system packages the build (and with --test-tools, the tests)
// need.
import { join } from 'node:path';
import { cachePaths } from '../paths.js';
import { ensureSystemPackages } from '../toolchain/layer.js';
import { ensureActionlint } from '../workflows/actionlint.js';
import { ensureZizmor } from '../workflows/zizmor.js';
import { ensureImageTools } from '../image/registry.js';
import { ensurePackages } from '../toolchain/system-packages.js';
import { buildOptions, buildOptionSpec } from './common.js';
import type { Command } from './types.js';

export const setupCommand: Command = {
  name: 'setup',
  summary: 'Install the system packages the build (and, with --test-tools, the tests) need',
  usage: `Usage: faasm-python setup [--test-tools]

Installs the wasm toolchain and host build packages with apt-get when running as root or with
passwordless sudo; otherwise prints the exact command to run. --test-tools adds git, podman and
a container registry for the image tests, actionlint (go install) with shellcheck, and zizmor
(pip, in a venv under the cache's tools dir).`,
  options: { ...buildOptionSpec, 'test-tools': { type: 'boolean' } },
  async run(values) {
    const opts = buildOptions(values);
    const cfg = await ensureSystemPackages(opts);
    if (values['test-tools'] === true) {
      const log = join(cachePaths(opts.cacheDir).logs, 'apt-install.log');
      await ensurePackages(cfg.testPackages, log);
      await ensureImageTools(log);
      // The workflow lint: a current actionlint (go install) with shellcheck, and zizmor (PyPI).
      await ensureActionlint(cachePaths(opts.cacheDir).tools, log);
      await ensureZizmor(cachePaths(opts.cacheDir).tools, log);
    }
    return 0;
  },
};
