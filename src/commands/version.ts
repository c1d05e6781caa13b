// `faasm-python version`: prints VERSION, or checks or syncs the files that repeat it.
import { REPO_ROOT } from '../paths.js';
import { readVersion } from '../release/version.js';
import { assertInStep, checkVersions, syncVersions } from '../release/versioned-files.js';
import { UsageError } from '../util/errors.js';
import type { Command } from './types.js';

export const versionCommand: Command = {
  name: 'version',
  summary: 'Print VERSION, or check / sync the files that repeat it',
  usage: `Usage: faasm-python version [--check | --sync]

  (no option)  print VERSION
  --check      fail, naming each one, when a file in versioned-files.json disagrees with VERSION
  --sync       write VERSION's value into every versioned file`,
  options: {
    check: { type: 'boolean' },
    sync: { type: 'boolean' },
  },
  async run(values) {
    if (values.check && values.sync)
      throw new UsageError('Use either --check or --sync, not both.');
    if (values.sync) {
      const files = await syncVersions(REPO_ROOT);
      console.log(
        files.length ? `updated ${files.join(', ')}` : 'all versioned files already agree',
      );
      return 0;
    }
    if (values.check) {
      const report = await checkVersions(REPO_ROOT);
      assertInStep(report);
      console.log(
        `${report.version}: all ${report.occurrences.length} places that name the version agree (${report.files.length} files checked)`,
      );
      return 0;
    }
    console.log(await readVersion(REPO_ROOT));
    return 0;
  },
};
