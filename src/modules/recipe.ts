import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { SourceRoute } from '../sources/types.js';
import { UserError } from '../util/errors.js';
import { exists } from '../util/fs.js';
import type { BuildRequirement } from './config.js';
import { type Rule, check, isObject } from './schema.js';

/** A source of this repository's own (pyfaasm): a directory, pinned by its content hash. */
export interface RepoSource {
  kind: 'repo';
  path: string;
}

export type ModuleSource = SourceRoute | RepoSource;

/**
 * A C extension linked in as a built-in module. Normally the package's own build backend
 * compiles it and the entry only names it (the build must produce it); `sources` is the
 * override for a package whose backend cannot be used: its C files compiled by hand.
 */
export interface ExtensionSpec {
  /** Full dotted module name, e.g. `genshi._speedups`; the built-in is registered under it. */
  name: string;
  /** C files, relative to the unpacked source (the hand-compiled override); empty otherwise. */
  sources: string[];
  cflags: string[];
}

/**
 * A C library a package links (PyYAML's libyaml): its pinned source, the C files compiled for
 * wasm32-wasi into `lib<name>.a`, and the include directories the package's build is given.
 */
export interface LibrarySpec {
  name: string;
  version: string;
  sources: SourceRoute[];
  /** C files, relative to the unpacked source. */
  compile: string[];
  /** Include directories, relative to the unpacked source (added to every compile). */
  include: string[];
  /** Flags for the library's own compiles (its config.h defines). */
  cflags: string[];
}

/** `third-party/modules/<name>/recipe.json`, with defaults filled in. */
export interface ModuleRecipe {
  name: string;
  version: string;
  summary: string;
  /** `rust-extension`: a PyO3 crate built by cargo as a static archive (src/modules/rust.ts). */
  kind: 'pure' | 'c-extension' | 'rust-extension';
  /** `default` modules are always built; `experimental` ones only with --experimental. */
  set: 'default' | 'experimental';
  /** Why an experimental module does not build yet. */
  why?: string;
  /** Other recipes this one needs at run time (built with it, tested after it). */
  requires: string[];
  sources: ModuleSource[];
  /** Patch files, relative to the repository, applied with `patch -p1` in order. */
  patches: string[];
  /** Extra environment for the build (the backend, or pip for a hand-compiled module). */
  pipEnv: Record<string, string>;
  /** Wheels the build backend needs (pinned like sources), installed for the build Python. */
  buildRequires: BuildRequirement[];
  /** PEP 517 config settings for the backend (meson-python's setup-args, ...). */
  configSettings: Record<string, string | string[]>;
  /** Paths (relative to site-packages, `*` matches within one name) left out of the runtime. */
  prune: string[];
  extensions: ExtensionSpec[];
  /**
   * Extension modules the package's build produces only for its own test suite (numpy's
   * `_multiarray_tests`): kept as archives in the modules layer and linked into the interpreter
   * `modules test-suite` runs, never into py_func.wasm.
   */
  testExtensions: string[];
  /** C libraries built first: the package's build finds their headers and `-l<name>`. */
  libraries: LibrarySpec[];
  /** Python run inside the wasm runtime; it must exit 0. */
  test: string;
  /** Repository-relative path of the recipe, named in every error about it. */
  file: string;
  /** True for a module given on the command line rather than by a recipe. */
  unsupported?: boolean;
}

const SHA256 = { type: 'string', pattern: /^[0-9a-f]{64}$/, must: '64 hex characters' } as const;
const FILE = {
  type: 'string',
  pattern: /^[^/\\]+$/,
  must: 'a file name without a directory',
} as const;
const TEXT = { type: 'string', pattern: /\S/, must: 'a non-empty string' } as const;
const REL_PATH = {
  type: 'string',
  pattern: /^(?!\/)(?!.*(^|\/)\.\.(\/|$)).+$/,
  must: 'a relative path that stays inside its directory',
} as const;
const MODULE_NAME = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;
const VERSION = {
  type: 'string',
  pattern: /^[0-9A-Za-z][0-9A-Za-z.+~-]*$/,
  must: 'a version',
} as const;
const C_FILE = {
  ...REL_PATH,
  pattern: /^(?!\/)(?!.*\.\.).+\.c$/,
  must: 'a relative path to a .c file',
} as const;
const CFLAG = {
  type: 'string',
  pattern: /^-[DIUWfmO]/,
  must: 'a compiler flag (-D, -I, -U, -W, -f, -m or -O)',
} as const;
const SUITE = {
  type: 'string',
  pattern: /^[a-z]+$/,
  must: 'a Debian suite name such as bookworm',
} as const;

const routeFields = { kind: { type: 'string' } as Rule, file: FILE, sha256: SHA256 };
const sourceRule: Rule = {
  type: 'tagged',
  tag: 'kind',
  variants: {
    url: {
      type: 'object',
      fields: {
        ...routeFields,
        url: { type: 'string', pattern: /^https?:\/\/\S+$/, must: 'an http(s) URL' },
      },
      required: ['kind', 'url', 'file', 'sha256'],
    },
    'debian-source': {
      type: 'object',
      fields: { ...routeFields, package: TEXT, suite: SUITE },
      required: ['kind', 'package', 'suite', 'file', 'sha256'],
    },
    'debian-binary': {
      type: 'object',
      fields: { ...routeFields, package: TEXT, suite: SUITE },
      required: ['kind', 'package', 'suite', 'file', 'sha256'],
    },
    path: {
      type: 'object',
      fields: { ...routeFields, path: TEXT },
      required: ['kind', 'path', 'file', 'sha256'],
    },
    repo: {
      type: 'object',
      fields: { kind: routeFields.kind, path: REL_PATH },
      required: ['kind', 'path'],
    },
  },
};

/** Pinned wheels a build needs (a recipe's backend requirements, config.json's for pip). */
export const BUILD_REQUIRES_RULE: Rule = {
  type: 'array',
  items: {
    type: 'object',
    required: ['name', 'version', 'sources'],
    fields: {
      name: TEXT,
      version: VERSION,
      sources: { type: 'array', items: sourceRule, minItems: 1 },
    },
  },
};

export const recipeRule: Rule = {
  type: 'object',
  required: ['name', 'version', 'kind', 'sources', 'test'],
  fields: {
    name: { type: 'string', pattern: /^[a-z0-9][a-z0-9_-]*$/, must: 'a lower-case module name' },
    version: {
      type: 'string',
      pattern: /^[0-9A-Za-z][0-9A-Za-z.+~-]*$/,
      must: 'a version such as 1.6.1',
    },
    summary: TEXT,
    kind: { type: 'string', enum: ['pure', 'c-extension', 'rust-extension'] },
    set: { type: 'string', enum: ['default', 'experimental'] },
    why: TEXT,
    requires: {
      type: 'array',
      items: { type: 'string', pattern: /^[a-z0-9][a-z0-9_-]*$/, must: 'a recipe name' },
    },
    sources: { type: 'array', items: sourceRule, minItems: 1 },
    patches: { type: 'array', items: REL_PATH },
    pipEnv: {
      type: 'map',
      values: { type: 'string' },
      keyPattern: /^[A-Z_][A-Z0-9_]*$/,
      keyMust: 'an environment variable name',
    },
    prune: { type: 'array', items: REL_PATH },
    buildRequires: BUILD_REQUIRES_RULE,
    configSettings: {
      type: 'map',
      values: { type: 'lines' },
      keyPattern: /^[a-z][a-z0-9-]*$/,
      keyMust: 'a config setting name such as setup-args',
    },
    extensions: {
      type: 'array',
      items: {
        type: 'object',
        required: ['name'],
        fields: {
          name: {
            type: 'string',
            pattern: MODULE_NAME,
            must: 'a dotted module name such as genshi._speedups',
          },
          sources: { type: 'array', items: C_FILE, minItems: 1 },
          cflags: { type: 'array', items: CFLAG },
        },
      },
    },
    testExtensions: {
      type: 'array',
      items: {
        type: 'string',
        pattern: MODULE_NAME,
        must: 'a dotted module name such as numpy._core._multiarray_tests',
      },
    },
    libraries: {
      type: 'array',
      items: {
        type: 'object',
        required: ['name', 'version', 'sources', 'compile'],
        fields: {
          name: { type: 'string', pattern: /^[A-Za-z0-9_]+$/, must: 'a library name such as yaml' },
          version: VERSION,
          sources: { type: 'array', items: sourceRule, minItems: 1 },
          compile: { type: 'array', items: C_FILE, minItems: 1 },
          include: { type: 'array', items: REL_PATH },
          cflags: { type: 'array', items: CFLAG },
        },
      },
    },
    test: { type: 'lines' },
  },
};

/** True for the override: a module whose C files the recipe lists and the layer compiles. */
export function isHandCompiled(r: ModuleRecipe): boolean {
  return r.extensions.some((e) => e.sources.length > 0);
}

/** Each module's recipe, in third-party/modules/<name>/. */
export const RECIPE_FILE = 'recipe.json';

/** Beside a recipe: how the module's own test suite runs (not an input of its build). */
export const TEST_SUITE_FILE = 'test-suite.json';

export function recipesDir(repoRoot: string): string {
  return join(repoRoot, 'third-party', 'modules');
}

export function recipeFile(name: string): string {
  return `third-party/modules/${name}/recipe.json`;
}

/**
 * Validates parsed recipe JSON and fills in defaults. The rule is the one the published JSON
 * Schema is generated from (recipe-schema.ts); checking it directly keeps every CLI start
 * fast (compiling the schema with ajv costs a second on a loaded machine), while `modules add`
 * and the tests validate with ajv against the published file itself. `file` names the recipe in errors:
 * "third-party/modules/pyaes/recipe.json: field 'sources[0].sha256' must be 64 hex characters".
 */
export function parseRecipe(json: unknown, file: string, dirName?: string): ModuleRecipe {
  const errors = check(json, recipeRule);
  const raw = json as Record<string, unknown>;
  if (errors.length === 0 && isObject(json)) {
    const kind = raw.kind as ModuleRecipe['kind'];
    const exts = (raw.extensions ?? []) as unknown[];
    if (dirName !== undefined && raw.name !== dirName) {
      errors.push({
        field: 'name',
        message: `must match the recipe's directory '${dirName}', not '${String(raw.name)}'`,
      });
    }
    if (kind === 'pure' && exts.length > 0) {
      errors.push({
        field: 'extensions',
        message: "must be empty for kind 'pure' (use kind 'c-extension')",
      });
    }
    const handListed = exts.filter((e) => (e as ExtensionSpec).sources !== undefined);
    if (handListed.length && handListed.length !== exts.length) {
      errors.push({
        field: 'extensions',
        message:
          "must give 'sources' for every extension or for none (none: the package's build backend builds them)",
      });
    }
    if (handListed.length && ((raw.libraries ?? []) as unknown[]).length) {
      errors.push({
        field: 'libraries',
        message:
          "go with a build by the package's own backend, not with extensions whose 'sources' are listed",
      });
    }
    if (raw.set === 'experimental' && raw.why === undefined) {
      errors.push({
        field: 'why',
        message: 'is required for an experimental module: say why it does not build yet',
      });
    }
    const sources = raw.sources as ModuleSource[];
    if (sources.length > 1 && sources.some((s) => s.kind === 'repo')) {
      errors.push({
        field: 'sources',
        message:
          "must hold only the 'repo' source when it has one (a repository directory has no alternative routes)",
      });
    }
    const names = exts.map((e) => (e as ExtensionSpec).name);
    names.forEach((n, i) => {
      if (names.indexOf(n) !== i)
        errors.push({ field: `extensions[${i}].name`, message: `repeats '${n}'` });
    });
    const tests = (raw.testExtensions ?? []) as string[];
    tests.forEach((n, i) => {
      if (names.includes(n) || tests.indexOf(n) !== i)
        errors.push({
          field: `testExtensions[${i}]`,
          message: `repeats '${n}' (an extension is shipped or test-only, once)`,
        });
    });
    if (tests.length && handListed.length) {
      errors.push({
        field: 'testExtensions',
        message:
          "go with a build by the package's own backend (they are taken from what it builds), not with extensions whose 'sources' are listed",
      });
    }
  }
  const first = errors[0];
  if (first) {
    const more =
      errors.length > 1
        ? ` (and ${errors.length - 1} more: ${errors
            .slice(1)
            .map((e) => `'${e.field}'`)
            .join(', ')})`
        : '';
    const field = first.field ? `field '${first.field}'` : 'the recipe';
    throw new UserError(`${file}: ${field} ${first.message}${more}.`);
  }
  const test = raw.test as string | string[];
  return {
    name: raw.name as string,
    version: raw.version as string,
    summary: (raw.summary as string | undefined) ?? '',
    kind: raw.kind as ModuleRecipe['kind'],
    set: (raw.set as ModuleRecipe['set'] | undefined) ?? 'default',
    ...(raw.why !== undefined ? { why: raw.why as string } : {}),
    requires: (raw.requires as string[] | undefined) ?? [],
    sources: raw.sources as ModuleSource[],
    patches: (raw.patches as string[] | undefined) ?? [],
    pipEnv: (raw.pipEnv as Record<string, string> | undefined) ?? {},
    buildRequires: (raw.buildRequires as BuildRequirement[] | undefined) ?? [],
    configSettings: (raw.configSettings as Record<string, string | string[]> | undefined) ?? {},
    prune: (raw.prune as string[] | undefined) ?? [],
    extensions: ((raw.extensions ?? []) as ExtensionSpec[]).map((e) => ({
      ...e,
      sources: e.sources ?? [],
      cflags: e.cflags ?? [],
    })),
    testExtensions: (raw.testExtensions as string[] | undefined) ?? [],
    libraries: ((raw.libraries ?? []) as LibrarySpec[]).map((l) => ({
      ...l,
      include: l.include ?? [],
      cflags: l.cflags ?? [],
    })),
    test: Array.isArray(test) ? test.join('\n') : test,
    file,
  };
}

export async function readRecipe(repoRoot: string, name: string): Promise<ModuleRecipe> {
  const file = recipeFile(name);
  const text = await readFile(join(repoRoot, file), 'utf8');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new UserError(`${file}: is not valid JSON (${(err as Error).message}); fix its syntax.`);
  }
  return parseRecipe(json, file, name);
}

/** Every recipe in third-party/modules, validated, sorted by name. */
export async function readAllRecipes(repoRoot: string): Promise<ModuleRecipe[]> {
  const dir = recipesDir(repoRoot);
  const recipes: ModuleRecipe[] = [];
  for (const entry of (await readdir(dir, { withFileTypes: true })).sort((a, b) =>
    a.name.localeCompare(b.name),
  )) {
    if (entry.isDirectory() && (await exists(join(dir, entry.name, RECIPE_FILE)))) {
      recipes.push(await readRecipe(repoRoot, entry.name));
    }
  }
  for (const r of recipes) {
    r.requires.forEach((dep, i) => {
      if (!recipes.some((o) => o.name === dep)) {
        throw new UserError(
          `${r.file}: field 'requires[${i}]' names '${dep}', which has no recipe; the modules are: ${recipes.map((o) => o.name).join(', ')}.`,
        );
      }
    });
  }
  return recipes;
}

export interface Selection {
  /** Build only these (and what they require); default: the default set. */
  names?: readonly string[];
  experimental: boolean;
}

/**
 * The recipes to build, each after the ones it requires. An unknown name is an error that
 * lists the known ones; naming an experimental module builds it without --experimental.
 */
export function selectRecipes(all: readonly ModuleRecipe[], sel: Selection): ModuleRecipe[] {
  const byName = new Map(all.map((r) => [r.name, r]));
  const roots = sel.names?.length
    ? [...sel.names]
    : all.filter((r) => r.set === 'default' || sel.experimental).map((r) => r.name);
  const ordered: ModuleRecipe[] = [];
  const visiting = new Set<string>();
  const visit = (name: string, from?: ModuleRecipe) => {
    const r = byName.get(name);
    if (!r) {
      const known = all.map((k) => k.name).join(', ');
      throw new UserError(
        from
          ? `${from.file}: requires '${name}', which has no recipe; the modules are: ${known}.`
          : `Unknown module '${name}'; the modules with recipes are: ${known}; to try another, give --source and --sha256.`,
      );
    }
    if (ordered.includes(r)) return;
    if (visiting.has(name))
      throw new UserError(`${r.file}: 'requires' forms a cycle through '${name}'.`);
    visiting.add(name);
    r.requires.forEach((d) => visit(d, r));
    visiting.delete(name);
    ordered.push(r);
  };
  roots.forEach((n) => visit(n));
  return ordered;
}

/**
 * A module with no recipe, tried from a source named on the command line: built as a pure
 * module and tested only by importing it. Unsupported: nothing pins or vets it.
 */
export function adhocRecipe(name: string, source: string, sha256: string): ModuleRecipe {
  const file = source.split(/[/\\]/).pop() ?? source;
  const route: SourceRoute = /^https?:\/\//.test(source)
    ? { kind: 'url', url: source, file, sha256 }
    : { kind: 'path', path: source, file, sha256 };
  const json = {
    name: name.toLowerCase(),
    version: 'unknown',
    summary: `${name} from ${source} (unsupported: no recipe)`,
    kind: 'pure',
    sources: [route],
    test: `import ${name.replace(/-/g, '_')}`,
  };
  return { ...parseRecipe(json, `--name ${name} --source ${source}`), unsupported: true };
}
