import { readCPythonConfig } from '../../../src/cpython/config.js';
import { cp, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from '@jest/globals';
import CDX from '@cyclonedx/cyclonedx-library';
import { readCLibraryRecipe } from '../../../src/toolchain/c-library.js';
import { readAllRecipes } from '../../../src/modules/recipe.js';
import { REPO_ROOT } from '../../../src/paths.js';
import { LICENSES_FILE, makeSbom, readLicenses } from '../../../src/release/sbom.js';
import { sha256 } from '../../../src/util/hash.js';
import { UserError } from '../../../src/util/errors.js';
import { removeTempDirs, tempDir } from './helpers.js';

afterAll(removeTempDirs);

type Component = {
  'bom-ref': string;
  name: string;
  version: string;
  licenses: ({ license: { id: string } } | { expression: string })[];
  hashes?: { alg: string; content: string }[];
  externalReferences?: { url: string; hashes: { content: string }[] }[];
  pedigree?: { patches: { diff: { text: { content: string } } }[] };
  properties?: { name: string; value: string }[];
};

const defaults = async () => (await readAllRecipes(REPO_ROOT)).filter((r) => r.set === 'default');
const sbomOf = async (repoRoot = REPO_ROOT) =>
  makeSbom({
    repoRoot,
    version: '0.5.0',
    modules: (await defaults()).map((r) => ({ name: r.name, version: r.version })),
  });

/** CycloneDX 1.6's published JSON schema (strict), through the CycloneDX library. */
async function schemaErrors(doc: unknown) {
  const validator = new CDX.Validation.JsonStrictValidator(CDX.Spec.Version.v1dot6);
  return validator.validate(JSON.stringify(doc));
}

const SPDX_IDS = new Set<string>(
  JSON.parse(
    await readFile(
      join(
        REPO_ROOT,
        'node_modules/@cyclonedx/cyclonedx-library/res/schema/spdx.SNAPSHOT.schema.json',
      ),
      'utf8',
    ),
  ).enum,
);

describe('the release SBOM', () => {
  test('is valid CycloneDX 1.6 by its published schema, and the check can fail', async () => {
    const sbom = await sbomOf();
    expect(await schemaErrors(sbom)).toBeNull();
    const broken = JSON.parse(JSON.stringify(sbom));
    broken.components[0].licenses = [{ license: { id: 'Not-A-Licence' } }];
    expect(await schemaErrors(broken)).not.toBeNull();
  });

  test('lists CPython, every C library and every module, with version, licence and source sha256', async () => {
    const sbom = (await sbomOf()) as { components: Component[] };
    const refs = sbom.components.map((c) => c['bom-ref']);
    // The default line's pins (third-party/cpython/<line>/cpython.json).
    const cpython = await readCPythonConfig(REPO_ROOT);
    const libs = ['bzip2', 'libffi', 'openssl', 'sqlite3', 'xz', 'zlib'];
    const modules = (await defaults()).map((r) => r.name);
    expect(refs).toEqual([
      'cpython',
      ...libs.map((l) => `lib:${l}`),
      ...modules.flatMap((m) =>
        m === 'pyyaml' ? ['module:pyyaml', 'module-library:pyyaml/yaml'] : [`module:${m}`],
      ),
    ]);
    const byRef = new Map(sbom.components.map((c) => [c['bom-ref'], c]));
    expect(byRef.get('cpython')).toMatchObject({
      version: cpython.version,
      licenses: [{ license: { id: 'Python-2.0.1' } }],
      hashes: [{ alg: 'SHA-256', content: cpython.sources[0]!.sha256 }],
    });
    for (const name of libs) {
      const recipe = await readCLibraryRecipe(REPO_ROOT, name);
      const c = byRef.get(`lib:${name}`)!;
      expect([name, c.version]).toEqual([name, recipe.version]);
      // Every route, each with its own sha256 (zlib's two routes are different bytes).
      expect(c.externalReferences?.map((r) => r.hashes[0]?.content)).toEqual(
        recipe.sources.map((s) => s.sha256),
      );
    }
    expect(byRef.get('lib:zlib')?.hashes).toBeUndefined();
    for (const r of await defaults()) {
      const c = byRef.get(`module:${r.name}`)!;
      expect([r.name, c.version, c.licenses.length]).toEqual([r.name, r.version, 1]);
    }
    expect(byRef.get('module:numpy')?.licenses).toEqual([
      { expression: 'BSD-3-Clause AND 0BSD AND MIT AND Zlib AND CC0-1.0' },
    ]);
  });

  test('names every patch applied, with its text and sha256', async () => {
    const sbom = (await sbomOf()) as { components: Component[] };
    const numpy = (await defaults()).find((r) => r.name === 'numpy')!;
    expect(numpy.patches.length).toBeGreaterThan(0);
    const c = sbom.components.find((x) => x['bom-ref'] === 'module:numpy')!;
    const texts = await Promise.all(numpy.patches.map((p) => readFile(join(REPO_ROOT, p), 'utf8')));
    expect(c.pedigree?.patches.map((p) => p.diff.text.content)).toEqual(texts);
    expect(
      c.properties?.filter((p) => p.name === 'faasm-python:patch').map((p) => p.value),
    ).toEqual(numpy.patches.map((p, i) => `${p} sha256:${sha256(texts[i]!)}`));
    const xz = sbom.components.find((x) => x['bom-ref'] === 'lib:xz')!;
    expect(xz.pedigree?.patches).toHaveLength(1);
  });

  test('the same recipes give the same bytes (no time; the serial number is the content hash)', async () => {
    const a = JSON.stringify(await sbomOf());
    expect(JSON.stringify(await sbomOf())).toBe(a);
    expect(JSON.parse(a).serialNumber).toMatch(
      /^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    expect(a).not.toMatch(/timestamp/);
  });

  test('every recipe has a licence, each an SPDX id (or LicenseRef-) joined by AND/OR', async () => {
    const licenses = await readLicenses(REPO_ROOT);
    const all = (await readAllRecipes(REPO_ROOT)).map((r) => r.name);
    expect(Object.keys(licenses.modules).sort()).toEqual(all.sort());
    const expressions = [
      licenses.cpython,
      ...Object.values(licenses.libs),
      ...Object.values(licenses.modules),
      ...Object.values(licenses.moduleLibraries),
    ];
    for (const e of expressions) {
      for (const id of e.split(/ (?:AND|OR) /)) {
        expect([e, id, SPDX_IDS.has(id) || /^LicenseRef-[A-Za-z0-9.-]+$/.test(id)]).toEqual([
          e,
          id,
          true,
        ]);
      }
    }
  });

  test('a module without a licence is one sentence naming the file to add it to', async () => {
    const repo = await tempDir('faasm-sbom-');
    await cp(join(REPO_ROOT, 'third-party'), join(repo, 'third-party'), { recursive: true });
    const licenses = await readLicenses(REPO_ROOT);
    delete (licenses.modules as Record<string, string>).six;
    await writeFile(join(repo, LICENSES_FILE), JSON.stringify(licenses));
    const failed = sbomOf(repo);
    await expect(failed).rejects.toThrow(UserError);
    await expect(failed).rejects.toThrow(
      "third-party/licenses.json has no licence for the module 'six'; add its SPDX expression there.",
    );
  });
});
