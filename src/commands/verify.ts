// `faasm-python verify`: rebuilds a release from its tag's recipes and compares it with its
// SHA256SUMS.
import { REPO_ROOT } from '../paths.js';
import { VerifyInputError, describeVerdict, verifyRelease } from '../release/verify.js';
import { errorMessage } from '../util/errors.js';
import { stringOption } from './common.js';
import type { Command } from './types.js';

export const verifyCommand: Command = {
  name: 'verify',
  summary: "Rebuild a release from its tag's recipes and compare it with its SHA256SUMS",
  usage: `Usage: faasm-python verify <release dir> [--repo DIR] [--cache-dir DIR] [-j N] [--keep]

<release dir> holds a release's assets with its SHA256SUMS and manifest.json (which names the
version, so the tag v<version>). The tag is checked out in a temp dir (a git worktree of --repo,
default this checkout), that checkout's own build makes the bundle in a fresh, empty cache (a
full build: tens of minutes), and every file SHA256SUMS lists is compared with the rebuild byte
for byte. Each file is printed as same, DIFFERS, MISSING (not rebuilt), EXTRA (rebuilt, not
listed) or DAMAGED (the release dir's copy does not match SHA256SUMS).

  --repo DIR       the git repository holding the tag (default: this checkout)
  --cache-dir DIR  build with this layer cache instead of an empty one: quicker, but only as
                   strong as that cache (its layers are taken as they are)
  -j, --jobs N     parallel make jobs for the rebuild
  --keep           keep the temp dir (checkout, cache, verify.log) and print where it is

Exit codes: 0 every file the same; 1 a file differs (or the rebuild failed); 2 bad input (not
a release directory, no SHA256SUMS, a tag the repository does not have).`,
  options: {
    repo: { type: 'string' },
    'cache-dir': { type: 'string' },
    jobs: { type: 'string', short: 'j' },
    keep: { type: 'boolean' },
  },
  positionals: true,
  async run(values, positionals) {
    const [dir, ...more] = positionals;
    const jobs = stringOption(values, 'jobs');
    try {
      if (!dir || more.length) {
        throw new VerifyInputError(
          'Pass one release directory: faasm-python verify <dir holding the assets and SHA256SUMS>.',
        );
      }
      if (jobs !== undefined && !/^[1-9]\d*$/.test(jobs)) {
        throw new VerifyInputError(`--jobs takes a whole number of at least 1, not '${jobs}'.`);
      }
      const cacheDir = stringOption(values, 'cache-dir');
      const report = await verifyRelease({
        releaseDir: dir,
        repo: stringOption(values, 'repo') ?? REPO_ROOT,
        self: REPO_ROOT,
        ...(cacheDir ? { cacheDir } : {}),
        ...(jobs ? { jobs: Number(jobs) } : {}),
        keep: values.keep === true,
        info: (m) => console.error(m),
      });
      for (const v of report.verdicts) console.log(describeVerdict(v));
      const bad = report.verdicts.filter((v) => v.status !== 'same');
      const same = report.verdicts.length - bad.length;
      console.log(
        `${report.release.tag}: ${report.verdicts.length} files, ${same} the same, ${bad.length} ${bad.length === 1 ? 'differs' : 'differ'}${bad.length ? ` (${bad.map((v) => v.name).join(', ')})` : ''}`,
      );
      if (values.keep === true) console.error(`kept: ${report.scratch}`);
      return bad.length ? 1 : 0;
    } catch (err) {
      if (!(err instanceof VerifyInputError)) throw err;
      console.error(`error: ${errorMessage(err)}`);
      return 2;
    }
  },
};
