// A module recipe (third-party/modules/<name>/recipe.json): declared once, parsed and checked.
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { SourceRoute } from '../sources/types.js';
import { UserError } from '../util/errors.js';
import { exists } from '../util/fs.js';
import {
  Dict,
  Fields,
  Lines,
  OneOf,
  type SchemaError,
  type Static,
  Str,
  type TSchema,
  Tagged,
  Type,
  validate,
} from './schema.js';

/**
 * A recipe, `third-party/modules/<name>/recipe.json`, declared once: the declarations below are
 * its JSON Schema (published as third-party/modules/recipe.schema.json by `npm run
 * recipe-schema`), its TypeScript types (`Static`), its defaults, and what `parseRecipe` checks
 * it against. To add a field: add it to `Recipe` (with a `default` unless it is required, or
 * `Type.Optional`), run `npm run recipe-schema`, and read it from the parsed recipe; rules across
 * fields go in `crossFieldErrors`.
 */
const SHA256 = Str(/^[0-9a-f]{64}$/, '64 hex characters');
const FILE = Str(/^[^/\\]+$/, 'a file name without a directory');
const TEXT = Str(/\S/, 'a non-empty string');
const REL_PATH = Str(
  /^(?!\/)(?!.*(^|\/)\.\.(\/|$)).+$/,
  'a relative path that stays inside its directory',
);
const MODULE_NAME = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;
const RECIPE_NAME = /^[a-z0-9][a-z0-9_-]*$/;
const VERSION_PATTERN = /^[0-9A-Za-z][0-9A-Za-z.+~-]*$/;
const VERSION = Str(VERSION_PATTERN, 'a version');
const C_FILE = Str(/^(?!\/)(?!.*\.\.).+\.c$/, 'a relative path to a .c file');
const CFLAG = Str(/^-[DIUWfmO]/, 'a compiler flag (-D, -I, -U, -W, -f, -m or -O)');
const SUITE = Str(/^[a-z]+$/, 'a Debian suite name such as bookworm');
const list = <T extends TSchema>(items: T) => Type.Array(items, { default: [] });

const pinned = { file: FILE, sha256: SHA256 };
const debian = <K extends string>(kind: K) =>
  Fields({ kind: Type.Literal(kind), package: TEXT, suite: SUITE, ...pinned });
/** The routes to a pinned file a recipe may name (sources/types.ts's SourceRoute). */
const routes = {
  url: Fields({
    kind: Type.Literal('url'),
    url: Str(/^https?:\/\/\S+$/, 'an http(s) URL'),
    ...pinned,
  }),
  'debian-source': debian('debian-source'),
  'debian-binary': debian('debian-binary'),
  path: Fields({ kind: Type.Literal('path'), path: TEXT, ...pinned }),
};
/** A source of this repository's own (pyfaasm): a directory, pinned by its content hash. */
const RepoSource = Fields({ kind: Type.Literal('repo'), path: REL_PATH });
const Route = Tagged('kind', routes);
const ModuleSource = Tagged('kind', { ...routes, repo: RepoSource });
export type RepoSource = Static<typeof RepoSource>;
export type ModuleSource = SourceRoute | RepoSource;

/** A pinned wheel a build needs (a recipe's backend requirements, config.json's for pip). */
export const BuildRequirement = Fields({
  name: TEXT,
  version: VERSION,
  sources: Type.Array(Route, { minItems: 1 }),
});
export type BuildRequirement = Static<typeof BuildRequirement>;
/** Pinned wheels a build needs, as a recipe, config.json and test-suite.json list them. */
export const BUILD_REQUIRES = list(BuildRequirement);

/**
 * A C extension linked in as a built-in module. Normally the package's own build backend
 * compiles it and the entry only names it (the build must produce it); `sources` is the
 * override for a package whose backend cannot be used: its C files compiled by hand.
 */
const ExtensionSpec = Fields({
  /** Full dotted module name, e.g. `genshi._speedups`; the built-in is registered under it. */
  name: Str(MODULE_NAME, 'a dotted module name such as genshi._speedups'),
  /** C files, relative to the unpacked source (the hand-compiled override); none otherwise. */
  sources: list(C_FILE),
  cflags: list(CFLAG),
});
export type ExtensionSpec = Static<typeof ExtensionSpec>;

/**
 * A C library a package links (PyYAML's libyaml): its pinned source, the C files compiled for
 * wasm32-wasi into `lib<name>.a`, and the include directories the package's build is given.
 */
const LibrarySpec = Fields({
  name: Str(/^[A-Za-z0-9_]+$/, 'a library name such as yaml'),
  version: VERSION,
  sources: Type.Array(Route, { minItems: 1 }),
  /** C files, relative to the unpacked source. */
  compile: Type.Array(C_FILE, { minItems: 1 }),
  /** Include directories, relative to the unpacked source (added to every compile). */
  include: list(REL_PATH),
  /**
   * Patches (repository-relative, -p1) applied to the unpacked source before it is compiled:
   * the config headers its own build system would generate (libjpeg-turbo's jconfig.h).
   */
  patches: list(REL_PATH),
  /** Flags for the library's own compiles (its config.h defines). */
  cflags: list(CFLAG),
});
export type LibrarySpec = Static<typeof LibrarySpec>;

/** `third-party/modules/<name>/recipe.json`, as its JSON Schema. */
export const Recipe = Fields({
  name: Str(RECIPE_NAME, 'a lower-case module name'),
  version: Str(VERSION_PATTERN, 'a version such as 1.6.1'),
  summary: Str(/^$|\S/, 'a non-empty string', { default: '' }),
  kind: OneOf(['pure', 'c-extension', 'rust-extension']),
  /**
   * `default` modules are in every runtime built without a requirements file; `optional` ones
   * only in a deployment whose requirements file names them (or what requires them);
   * `experimental` ones only with --experimental.
   */
  set: OneOf(['default', 'optional', 'experimental'], { default: 'default' }),
  /** Why an experimental module does not build yet. */
  why: Type.Optional(TEXT),
  /** Other recipes this one needs at run time (built with it, tested after it). */
  requires: list(Str(RECIPE_NAME, 'a recipe name')),
  sources: Type.Array(ModuleSource, { minItems: 1 }),
  /** Patch files, relative to the repository, applied with `patch -p1` in order. */
  patches: list(REL_PATH),
  /** Extra environment for the build (the backend, or pip for a hand-compiled module). */
  pipEnv: Dict(
    Type.String(),
    { pattern: /^[A-Z_][A-Z0-9_]*$/, must: 'an environment variable name' },
    { default: {} },
  ),
  /** Wheels the build backend needs (pinned like sources), installed for the build Python. */
  buildRequires: BUILD_REQUIRES,
  /** PEP 517 config settings for the backend (meson-python's setup-args, ...). */
  configSettings: Dict(
    Lines(),
    { pattern: /^[a-z][a-z0-9-]*$/, must: 'a config setting name such as setup-args' },
    { default: {} },
  ),
  /** Paths (relative to site-packages, `*` matches within one name) left out of the runtime. */
  prune: list(REL_PATH),
  extensions: list(ExtensionSpec),
  /**
   * Extension modules the package's build produces only for its own test suite (numpy's
   * `_multiarray_tests`): kept as archives in the modules layer and linked into the interpreter
   * `modules test-suite` runs, never into py_func.wasm.
   */
  testExtensions: list(
    Str(MODULE_NAME, 'a dotted module name such as numpy._core._multiarray_tests'),
  ),
  /** C libraries built first: the package's build finds their headers and `-l<name>`. */
  libraries: list(LibrarySpec),
  /** Python run inside the wasm runtime; it must exit 0. */
  test: Lines(),
});

/** A recipe as parsed: its JSON with the defaults filled in, and where it came from. */
export type ModuleRecipe = Omit<Static<typeof Recipe>, 'test' | 'sources'> & {
  sources: ModuleSource[];
  /** The test's lines joined. */
  test: string;
  /** Repository-relative path of the recipe, named in every error about it. */
  file: string;
  /** True for a module given on the command line rather than by a recipe. */
  unsupported?: boolean;
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
 * Validates parsed recipe JSON against `Recipe` and fills in defaults. `file` names the recipe
 * in errors: "third-party/modules/pyaes/recipe.json: field 'sources[0].sha256' must be 64 hex
 * characters, not 'abc'."
 */
export function parseRecipe(json: unknown, file: string, dirName?: string): ModuleRecipe {
  const { value: raw, errors } = validate(Recipe, json);
  const all = raw ? crossFieldErrors(raw, dirName) : errors;
  const first = all[0];
  if (first) {
    const more =
      all.length > 1
        ? ` (and ${all.length - 1} more: ${all
            .slice(1)
            .map((e) => `'${e.field}'`)
            .join(', ')})`
        : '';
    const field = first.field ? `field '${first.field}'` : 'the recipe';
    throw new UserError(`${file}: ${field} ${first.message}${more}.`);
  }
  // The declared fields in their order, without the recipe's own $schema and $comment: the
  // recipe is part of its layer's key, which a comment must not change.
  const fields = Object.keys(Recipe.properties).filter((k) => !k.startsWith('$'));
  const picked = Object.fromEntries(
    fields.filter((k) => k in raw!).map((k) => [k, raw![k as keyof typeof raw]]),
  ) as unknown as Static<typeof Recipe>;
  const { test } = picked;
  return { ...picked, test: Array.isArray(test) ? test.join('\n') : test, file };
}

/** What the schema cannot say: rules between fields, and the name the recipe's directory gives. */
function crossFieldErrors(r: Static<typeof Recipe>, dirName?: string): SchemaError[] {
  const errors: SchemaError[] = [];
  const exts = r.extensions;
  if (dirName !== undefined && r.name !== dirName) {
    errors.push({
      field: 'name',
      message: `must match the recipe's directory '${dirName}', not '${r.name}'`,
    });
  }
  if (r.kind === 'pure' && exts.length > 0) {
    errors.push({
      field: 'extensions',
      message: "must be empty for kind 'pure' (use kind 'c-extension')",
    });
  }
  const handListed = exts.filter((e) => e.sources.length > 0);
  if (handListed.length && handListed.length !== exts.length) {
    errors.push({
      field: 'extensions',
      message:
        "must give 'sources' for every extension or for none (none: the package's build backend builds them)",
    });
  }
  if (handListed.length && r.libraries.length) {
    errors.push({
      field: 'libraries',
      message:
        "go with a build by the package's own backend, not with extensions whose 'sources' are listed",
    });
  }
  if (r.set === 'experimental' && r.why === undefined) {
    errors.push({
      field: 'why',
      message: 'is required for an experimental module: say why it does not build yet',
    });
  }
  if (r.sources.length > 1 && r.sources.some((s) => s.kind === 'repo')) {
    errors.push({
      field: 'sources',
      message:
        "must hold only the 'repo' source when it has one (a repository directory has no alternative routes)",
    });
  }
  const names = exts.map((e) => e.name);
  names.forEach((n, i) => {
    if (names.indexOf(n) !== i)
      errors.push({ field: `extensions[${i}].name`, message: `repeats '${n}'` });
  });
  const tests = r.testExtensions;
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
  return errors;
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
 * lists the known ones; naming an experimental module builds it without --experimental. The
 * optional set comes only by name (a deployment's requirements), never with --experimental.
 */
export function selectRecipes(all: readonly ModuleRecipe[], sel: Selection): ModuleRecipe[] {
  const byName = new Map(all.map((r) => [r.name, r]));
  const roots = sel.names?.length
    ? [...sel.names]
    : all
        .filter((r) => r.set === 'default' || (r.set === 'experimental' && sel.experimental))
        .map((r) => r.name);
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
