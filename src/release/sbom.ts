import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { readCPythonConfig } from '../cpython/config.js';
import { type ModuleRecipe, readRecipe } from '../modules/recipe.js';
import type { SourceRoute } from '../sources/types.js';
import { readCLibraryRecipe } from '../toolchain/c-library.js';
import { UserError } from '../util/errors.js';
import { canonicalJson, sha256 } from '../util/hash.js';

/**
 * The release's software bill of materials, CycloneDX 1.6 JSON, computed from the recipes: CPython,
 * each C library of third-party/libs, each module the modules layer built (and the C libraries
 * a module builds itself), with version, licence (third-party/licenses.json), every pinned source
 * route with its sha256, and the patches applied (their text and sha256). No timestamp and a
 * serial number derived from the content: the same recipes give the same bytes.
 */

export const LICENSES_FILE = 'third-party/licenses.json';

export interface Licenses {
  cpython: string;
  libs: Record<string, string>;
  modules: Record<string, string>;
  moduleLibraries: Record<string, string>;
}

/** A module as the modules layer reports it built (modules.json). */
export interface BuiltModule {
  name: string;
  version: string;
  /** The source file it was built from, when the layer says. */
  source?: string;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Obj = { [key: string]: Json };

export async function readLicenses(repoRoot: string): Promise<Licenses> {
  return JSON.parse(await readFile(join(repoRoot, LICENSES_FILE), 'utf8')) as Licenses;
}

/** CycloneDX's licence choice: one SPDX id as an id, anything else as an expression. */
export function cdxLicenses(spdx: string): Json[] {
  return /^[A-Za-z0-9.+-]+$/.test(spdx) && !spdx.startsWith('LicenseRef-')
    ? [{ license: { id: spdx } }]
    : [{ expression: spdx }];
}

function licenseOf(table: Record<string, string>, name: string, what: string): string {
  const found = table[name];
  if (!found) {
    throw new UserError(
      `${LICENSES_FILE} has no licence for the ${what} '${name}'; add its SPDX expression there.`,
    );
  }
  return found;
}

/** Where a Debian source package's files live in the archive's pool. */
function debianPool(pkg: string, file: string): string {
  const prefix = pkg.startsWith('lib') ? pkg.slice(0, 4) : pkg.slice(0, 1);
  return `https://deb.debian.org/debian/pool/main/${prefix}/${pkg}/${file}`;
}

/** Each pinned route to the source, with the sha256 of exactly what it yields. */
function sourceReferences(routes: readonly SourceRoute[]): Json[] {
  return routes.map((r): Json => {
    const hashes = [{ alg: 'SHA-256', content: r.sha256 }];
    switch (r.kind) {
      case 'url':
        return { type: 'distribution', url: r.url, comment: r.file, hashes };
      case 'debian-source': {
        const pkg = r.package.split(/[/=]/)[0]!;
        return {
          type: 'distribution',
          url: debianPool(pkg, r.file),
          comment: `Debian source package ${r.package} (${r.suite}): ${r.file}`,
          hashes,
        };
      }
      case 'debian-binary':
        return {
          type: 'distribution',
          url: `https://packages.debian.org/${r.suite}/${r.package}`,
          comment: `Debian binary package ${r.package} (${r.suite}): ${r.file}`,
          hashes,
        };
      case 'debian-pool':
        return {
          type: 'distribution',
          url: `https://deb.debian.org/debian/${r.path}`,
          comment: `Debian archive pool: ${r.file}`,
          hashes,
        };
      case 'path':
        return { type: 'other', url: `file:${r.file}`, comment: `a local file: ${r.file}`, hashes };
    }
  });
}

/** The component's own hash: its source's sha256, when every route yields the same bytes. */
function sourceHashes(routes: readonly SourceRoute[]): Obj {
  const shas = [...new Set(routes.map((r) => r.sha256))];
  return shas.length === 1 ? { hashes: [{ alg: 'SHA-256', content: shas[0]! }] } : {};
}

/** The patches applied (repository paths), in order: their text, and their sha256 as properties. */
async function patchesOf(repoRoot: string, patches: readonly string[]) {
  const pedigree: Json[] = [];
  const properties: Json[] = [];
  for (const p of patches) {
    const text = await readFile(join(repoRoot, p), 'utf8');
    pedigree.push({
      type: 'unofficial',
      diff: { text: { contentType: 'text/x-diff', content: text } },
    });
    properties.push({ name: 'faasm-python:patch', value: `${p} sha256:${sha256(text)}` });
  }
  return pedigree.length ? { pedigree: { patches: pedigree }, properties } : { properties };
}

async function component(
  repoRoot: string,
  c: {
    ref: string;
    name: string;
    version: string;
    license: string;
    purl: string;
    description: string;
    routes: readonly SourceRoute[];
    patches: readonly string[];
    extra?: Json[];
  },
): Promise<Obj> {
  const { pedigree, properties } = await patchesOf(repoRoot, c.patches);
  const props = [...properties, ...(c.extra ?? [])];
  return {
    type: 'library',
    'bom-ref': c.ref,
    name: c.name,
    version: c.version,
    description: c.description,
    licenses: cdxLicenses(c.license),
    purl: c.purl,
    ...sourceHashes(c.routes),
    ...(c.routes.length ? { externalReferences: sourceReferences(c.routes) } : {}),
    ...(pedigree ? { pedigree } : {}),
    ...(props.length ? { properties: props } : {}),
  };
}

async function moduleComponents(
  repoRoot: string,
  r: ModuleRecipe,
  built: BuiltModule,
  licenses: Licenses,
): Promise<{ components: Obj[]; dependsOn: string[] }> {
  const routes = r.sources.filter((s): s is SourceRoute => s.kind !== 'repo');
  const own = r.sources.some((s) => s.kind === 'repo');
  const extra: Json[] = [];
  if (built.source) extra.push({ name: 'faasm-python:built-from', value: built.source });
  if (own) extra.push({ name: 'faasm-python:source', value: 'this repository' });
  const libraries = await Promise.all(
    r.libraries.map((l) =>
      component(repoRoot, {
        ref: `module-library:${r.name}/${l.name}`,
        name: l.name,
        version: l.version,
        license: licenseOf(licenses.moduleLibraries, l.name, 'C library of a module'),
        purl: `pkg:generic/${l.name}@${l.version}`,
        description: `a C library ${r.name} builds and links`,
        routes: l.sources,
        patches: [],
      }),
    ),
  );
  const module = await component(repoRoot, {
    ref: `module:${r.name}`,
    name: r.name,
    version: built.version,
    license: licenseOf(licenses.modules, r.name, 'module'),
    purl: `pkg:pypi/${r.name}@${built.version}`,
    description: r.summary || `the Python package ${r.name}`,
    routes,
    patches: r.patches,
    extra,
  });
  return {
    components: [module, ...libraries],
    dependsOn: [
      ...r.requires.map((n) => `module:${n}`),
      ...libraries.map((l) => String(l['bom-ref'])),
    ],
  };
}

/** A UUID (version 5 layout) from the document's own content, so equal SBOMs are equal bytes. */
function contentUuid(doc: unknown): string {
  const h = sha256(canonicalJson(doc));
  const variant = ((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** The SBOM of the runtime built from `repoRoot`'s recipes with `modules` (the layer's report). */
export async function makeSbom(opts: {
  repoRoot: string;
  version: string;
  modules: readonly BuiltModule[];
}): Promise<Obj> {
  const { repoRoot, version } = opts;
  const licenses = await readLicenses(repoRoot);
  const cpython = await readCPythonConfig(repoRoot);
  const libNames = (await readdir(join(repoRoot, 'third-party', 'libs'), { withFileTypes: true }))
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
  const libs = await Promise.all(
    libNames.map(async (name) => {
      const r = await readCLibraryRecipe(repoRoot, name);
      return component(repoRoot, {
        ref: `lib:${name}`,
        name: r.name,
        version: r.version,
        license: licenseOf(licenses.libs, name, 'C library'),
        purl: `pkg:generic/${r.name}@${r.version}`,
        description: `a C library CPython's standard library links (third-party/libs/${name})`,
        routes: r.sources,
        patches: r.patches,
      });
    }),
  );
  const python = await component(repoRoot, {
    ref: 'cpython',
    name: 'cpython',
    version: cpython.version,
    license: licenses.cpython,
    purl: `pkg:generic/cpython@${cpython.version}`,
    description: 'CPython, cross-compiled to wasm32-wasi (libpython, the standard library)',
    routes: cpython.sources,
    // The cross build's patches: the native build Python is a build tool, not shipped.
    patches: cpython.wasm.patches,
  });
  const modules: Obj[] = [];
  const dependencies: Json[] = [];
  for (const m of [...opts.modules].sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const got = await moduleComponents(repoRoot, await readRecipe(repoRoot, m.name), m, licenses);
    modules.push(...got.components);
    dependencies.push({ ref: `module:${m.name}`, dependsOn: got.dependsOn });
  }
  const top = [
    python,
    ...libs,
    ...modules.filter((c) => String(c['bom-ref']).startsWith('module:')),
  ];
  const doc: Obj = {
    $schema: 'http://cyclonedx.org/schema/bom-1.6.schema.json',
    bomFormat: 'CycloneDX',
    specVersion: '1.6',
    version: 1,
    metadata: {
      tools: { components: [{ type: 'application', name: 'faasm-python', version }] },
      component: {
        type: 'application',
        'bom-ref': 'faasm-python',
        name: 'faasm-python',
        version,
        description: 'CPython for WebAssembly in Faasm: runtime root, libpython and py_func.wasm',
        licenses: cdxLicenses('Apache-2.0'),
      },
    },
    components: [python, ...libs, ...modules],
    dependencies: [
      { ref: 'faasm-python', dependsOn: top.map((c) => String(c['bom-ref'])) },
      { ref: 'cpython', dependsOn: libs.map((c) => String(c['bom-ref'])) },
      ...dependencies,
    ],
  };
  return { ...doc, serialNumber: `urn:uuid:${contentUuid(doc)}` };
}
