import { mkdir } from 'node:fs/promises';
import { exec } from '../util/exec.js';

/**
 * Unpacks a verified archive into `dest`, dropping its top directory (whose name differs
 * between upstream and Debian's orig tarballs). A .deb, a .zip or a wheel is extracted whole.
 */
export async function unpack(archive: string, dest: string, log?: string): Promise<void> {
  await mkdir(dest, { recursive: true });
  if (archive.endsWith('.deb')) {
    await exec('dpkg-deb', ['-x', archive, dest], { log });
  } else if (archive.endsWith('.zip') || archive.endsWith('.whl')) {
    // A wheel is a zip of the installed files: no top directory to drop.
    await exec('unzip', ['-q', archive, '-d', dest], { log });
  } else {
    await exec('tar', ['-xf', archive, '-C', dest, '--strip-components=1', '--no-same-owner'], {
      log,
    });
  }
}
