import { describe, expect, test } from '@jest/globals';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { generatedStdlibDocs } from '../../../src/commands/stdlib-doc.js';
import { REPO_ROOT } from '../../../src/paths.js';
import { readRegrtestData } from '../../../src/regrtest/data.js';
import { spliceReadme, stdlibDoc } from '../../../src/regrtest/stdlib-doc.js';

describe('the stdlib documentation', () => {
  test('docs/stdlib.md and the README section are what stdlib-doc generates', async () => {
    const files = await generatedStdlibDocs(REPO_ROOT);
    for (const [file, text] of Object.entries(files)) {
      expect([file, await readFile(join(REPO_ROOT, file), 'utf8')]).toEqual([file, text]);
    }
  });

  test('lists every expected wasm failure of the CI selection with its reason', async () => {
    const data = await readRegrtestData(REPO_ROOT);
    const doc = stdlibDoc(data);
    for (const e of data.expected.filter((x) => (x.on ?? ['wasm']).includes('wasm'))) {
      expect(doc).toContain(`\`${e.module}\``);
      expect(doc).toContain(e.reason.replace(/\|/g, '\\|'));
    }
    for (const a of data.absent) expect(doc).toContain(`| \`${a.module}\` |`);
  });

  test('a README without the markers is an error naming them', () => {
    expect(() => spliceReadme('# x\n', 'y')).toThrow(/stdlib:begin/);
  });
});

describe('the regrtest data', () => {
  test("the CI selection has at least 80 modules and explains every pruned stdlib path of the data's line", async () => {
    const data = await readRegrtestData(REPO_ROOT);
    expect(data.selections.ci!.length).toBeGreaterThanOrEqual(80);
    // The pruned paths of the same line as the data (ctypes is pruned on 3.11 only).
    const wasm = JSON.parse(
      await readFile(join(REPO_ROOT, `third-party/cpython/${data.line}/wasm.json`), 'utf8'),
    );
    const absent = new Set(data.absent.map((a) => a.module));
    const testOnly = /(^|\/)tests?$|\.a$/;
    for (const path of (wasm.prune as string[]).filter((p) => !testOnly.test(p))) {
      const module = path.replace(/\.py$/, '').replace(/\//g, '.');
      expect([path, absent.has(module)]).toEqual([path, true]);
    }
  });
});
