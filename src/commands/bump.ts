import { REPO_ROOT } from '../paths.js';
import type { BumpPart } from '../release/version.js';
import { bumpVersion } from '../release/versioned-files.js';
import { UserError } from '../util/errors.js';
import { stringOption } from './common.js';
import type { Command } from './types.js';

export const bumpCommand: Command = {
  name: 'bump',
  summary: 'Bump VERSION by semver rules and rewrite every versioned file to match',
  usage: `Usage: faasm-python bump --patch | --minor | --major | --set X.Y.Z [--pre alpha|beta|rc]

  --patch, --minor, --major   the part to bump (0.1.0 --minor -> 0.2.0)
  --set X.Y.Z                 an explicit version, greater than the current one
  --pre ID                    make it a pre-release: --minor --pre rc -> 0.2.0-rc.1; on a
                              pre-release, --pre alone steps it (0.2.0-rc.1 -> 0.2.0-rc.2)

The files are listed in versioned-files.json; all are checked before any is written.`,
  options: {
    patch: { type: 'boolean' },
    minor: { type: 'boolean' },
    major: { type: 'boolean' },
    set: { type: 'string' },
    pre: { type: 'string' },
  },
  async run(values) {
    const parts = (['major', 'minor', 'patch'] as const).filter((p) => values[p] === true);
    if (parts.length > 1) throw new UserError('Name only one of --major, --minor and --patch.');
    const part: BumpPart | undefined = parts[0];
    const set = stringOption(values, 'set');
    const pre = stringOption(values, 'pre');
    const result = await bumpVersion(REPO_ROOT, {
      ...(part ? { part } : {}),
      ...(set !== undefined ? { set } : {}),
      ...(pre !== undefined ? { pre } : {}),
    });
    console.log(`${result.from} -> ${result.to}: ${result.files.join(', ')}`);
    return 0;
  },
};
