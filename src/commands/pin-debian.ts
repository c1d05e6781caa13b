// `faasm-python pin-debian`: re-pins a Debian suite's roots (third-party/debian/<suite>.json) from
// the mirror.
import { join } from 'node:path';
import { cachePaths } from '../paths.js';
import { pinDebianRoots } from '../toolchain/debian-pins.js';
import { UserError } from '../util/errors.js';
import { buildOptionSpec, buildOptions } from './common.js';
import type { Command } from './types.js';

export const pinDebianCommand: Command = {
  name: 'pin-debian',
  summary: "Re-pin a Debian suite's roots (third-party/debian/<suite>.json) from the mirror",
  usage: `Usage: faasm-python pin-debian SUITE [--root NAME]... [--cache-dir DIR]

Resolves each root's packages in third-party/debian/SUITE.json (e.g. trixie) with everything
they depend on, and writes every .deb's exact version, pool path and sha256 back into the file.
A root's 'backports' (source packages, e.g. rustc) are taken from SUITE-backports.
Builds use only these pins; run this to take Debian's updates, then rebuild and commit the file.

  --root NAME   re-pin only this root (repeatable); the others keep their pins`,
  options: {
    root: { type: 'string', multiple: true },
    'cache-dir': buildOptionSpec['cache-dir']!,
  },
  positionals: true,
  async run(values, positionals) {
    const [suite, ...rest] = positionals;
    if (!suite || rest.length > 0 || !/^[a-z]+$/.test(suite)) {
      throw new UserError('pin-debian takes one Debian suite name, e.g.: ./run pin-debian trixie');
    }
    const opts = buildOptions(values);
    const changes = await pinDebianRoots({
      repoRoot: opts.repoRoot,
      aptDir: cachePaths(opts.cacheDir).apt,
      suite,
      roots: values.root as string[] | undefined,
      log: join(cachePaths(opts.cacheDir).logs, `pin-debian-${suite}.log`),
    });
    for (const c of changes) {
      console.log(
        `${c.root}: ${c.total} packages, ${c.added.length} new or changed, ${c.removed.length} gone`,
      );
      for (const a of c.added) console.log(`  + ${a}`);
      for (const r of c.removed) console.log(`  - ${r}`);
    }
    return 0;
  },
};
