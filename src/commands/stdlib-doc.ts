import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { REPO_ROOT } from '../paths.js';
import { readRegrtestData } from '../regrtest/data.js';
import { DOC_FILE, readmeSection, spliceReadme, stdlibDoc } from '../regrtest/stdlib-doc.js';
import { UserError } from '../util/errors.js';
import type { Command } from './types.js';

/** The generated files and their new contents. */
export async function generatedStdlibDocs(repoRoot: string): Promise<Record<string, string>> {
  const data = await readRegrtestData(repoRoot);
  const readme = await readFile(join(repoRoot, 'README.md'), 'utf8');
  return { [DOC_FILE]: stdlibDoc(data), 'README.md': spliceReadme(readme, readmeSection(data)) };
}

export const stdlibDocCommand: Command = {
  name: 'stdlib-doc',
  summary: 'Write docs/stdlib.md and the README stdlib section from the regrtest data',
  usage: `Usage: faasm-python stdlib-doc [--check]

Generates ${DOC_FILE} (what of the standard library works on the runtime, what is limited and
how, what is absent and why) and the README's stdlib section from the default CPython line's
third-party/cpython/<line>/regrtest.json. With --check, writes nothing and fails when they are stale.`,
  options: { check: { type: 'boolean' } },
  async run(values) {
    const files = await generatedStdlibDocs(REPO_ROOT);
    const stale: string[] = [];
    for (const [file, text] of Object.entries(files)) {
      const current = await readFile(join(REPO_ROOT, file), 'utf8').catch(() => '');
      if (current === text) continue;
      stale.push(file);
      if (values.check !== true) await writeFile(join(REPO_ROOT, file), text);
    }
    if (values.check === true && stale.length > 0) {
      throw new UserError(
        `${stale.join(' and ')} ${stale.length > 1 ? 'are' : 'is'} stale; run: faasm-python stdlib-doc`,
      );
    }
    process.stderr.write(stale.length ? `wrote ${stale.join(', ')}\n` : 'up to date\n');
    return 0;
  },
};
