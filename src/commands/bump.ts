// `faasm-python bump`: VERSION by semver rules, and every versioned file rewritten to match.
import { REPO_ROOT } from '../paths.js';
import { tagName } from '../release/tag.js';
import type { BumpPart } from '../release/version.js';
import { bumpVersion } from '../release/versioned-files.js';
import { UsageError } from '../util/errors.js';
import { printJson, stringOption } from './common.js';
import type { Command } from './types.js';

export const bumpCommand: Command = {
  name: 'bump',
  summary: 'Bump VERSION by semver rules and rewrite every versioned file to match',
  usage: `Usage: faasm-python bump --patch | --minor | --major | --set X.Y.Z [--pre alpha|beta|rc]
                        [--json]

  --patch, --minor, --major   the part to bump (0.1.0 --minor -> 0.2.0)
  --set X.Y.Z                 an explicit version, greater than the current one
  --pre ID                    make it a pre-release: --minor --pre rc -> 0.2.0-rc.1; on a
                              pre-release, --pre alone steps it (0.2.0-rc.1 -> 0.2.0-rc.2)
  --json                      print the result as JSON on stdout: previous, version, tag and
                              the files rewritten

The files are listed in versioned-files.json; all are checked before any is written.`,
  options: {
    patch: { type: 'boolean' },
    minor: { type: 'boolean' },
    major: { type: 'boolean' },
    set: { type: 'string' },
    pre: { type: 'string' },
    json: { type: 'boolean' },
  },
  async run(values) {
    const parts = (['major', 'minor', 'patch'] as const).filter((p) => values[p] === true);
    if (parts.length > 1) throw new UsageError('Name only one of --major, --minor and --patch.');
    const part: BumpPart | undefined = parts[0];
    const set = stringOption(values, 'set');
    const pre = stringOption(values, 'pre');
    const result = await bumpVersion(REPO_ROOT, {
      ...(part ? { part } : {}),
      ...(set !== undefined ? { set } : {}),
      ...(pre !== undefined ? { pre } : {}),
    });
    if (values.json === true) {
      const { from: previous, to: version, files } = result;
      printJson({ previous, version, tag: tagName(version), files });
    } else console.log(`${result.from} -> ${result.to}: ${result.files.join(', ')}`);
    return 0;
  },
};
