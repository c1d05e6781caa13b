// What tells a CLI bundle (dist/cli) fresh: the files it was made from, listed by
// `npm run package` in dist/cli/inputs.json with their hash. bin/faasm-python.js hashes the same
// files as they are now and starts from the bundle only when the two agree.
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';

/** Beside the bundle: `{ sha256, files }`, files relative to the repository. */
export const INPUTS_FILE = 'inputs.json';

/** One hash of the files' names and contents; undefined when one of them is gone. */
export function inputsHash(root, files) {
  const hash = createHash('sha256');
  for (const file of files) {
    let text;
    try {
      text = readFileSync(join(root, file));
    } catch {
      return undefined;
    }
    hash.update(`${file}\0${text.length}\0`).update(text);
  }
  return hash.digest('hex');
}

/** True when dist/cli exists and was made from the files of `root` as they are. */
export function bundleIsFresh(root) {
  try {
    const { sha256, files } = JSON.parse(
      readFileSync(join(root, 'dist', 'cli', INPUTS_FILE), 'utf8'),
    );
    return typeof sha256 === 'string' && Array.isArray(files) && inputsHash(root, files) === sha256;
  } catch {
    return false;
  }
}
