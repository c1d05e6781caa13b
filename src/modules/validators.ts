/**
 * ajv's checker of a schema, made once per schema and kept. Compiling the recipe schema costs
 * ajv about 0.1-0.2 s of CPU, as much as the CLI bundle takes to start, and every command that
 * resolves the modules layer reads the recipes. So the code ajv generates for a schema (its
 * "standalone" code) is kept in the cache, named by the hash of the schema, ajv's version and
 * the options: a later process loads it in a few milliseconds, and a changed schema is never
 * checked by an old validator. Where the cache cannot be written, the compiled one serves.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import ajvPackage from 'ajv/package.json' with { type: 'json' };
import standaloneCode from 'ajv/dist/standalone/index.js';
import { cachePaths, defaultCacheDir } from '../paths.js';

const OPTIONS = { allErrors: true, verbose: true, strict: false, useDefaults: true } as const;

const made = new WeakMap<object, ValidateFunction>();

/** The checker of `schema` (a JSON Schema document), from memory, the cache, or ajv. */
export function validatorOf(schema: object, cacheDir = defaultCacheDir()): ValidateFunction {
  let v = made.get(schema);
  if (!v) {
    v = fromCache(schema, cacheDir);
    made.set(schema, v);
  }
  return v;
}

function fromCache(schema: object, cacheDir: string): ValidateFunction {
  const json = JSON.stringify(schema);
  const key = createHash('sha256')
    .update(`${ajvPackage.version}\0${JSON.stringify(OPTIONS)}\0${json}`)
    .digest('hex')
    .slice(0, 32);
  const file = join(cachePaths(cacheDir).tools, 'validators', `${key}.cjs`);
  try {
    return load(readFileSync(file, 'utf8'));
  } catch {
    // Not there yet (or unreadable): compile, and keep the code for the next process.
  }
  const ajv = new Ajv2020({ ...OPTIONS, code: { source: true, lines: false } });
  const validate = ajv.compile(JSON.parse(json) as object);
  const code = standaloneCode.default(ajv, validate);
  // Self-contained code only: a `require` of ajv's runtime would not resolve from the cache.
  if (!/\brequire\(/.test(code)) {
    try {
      mkdirSync(join(file, '..'), { recursive: true });
      const tmp = `${file}.${process.pid}.tmp`;
      writeFileSync(tmp, code);
      renameSync(tmp, file);
    } catch {
      // A read-only cache: the compiled validator serves this process.
    }
  }
  return validate;
}

/** The validator a standalone CommonJS module exports. */
function load(code: string): ValidateFunction {
  const module = { exports: {} as unknown };
  new Function('module', 'exports', code)(module, module.exports);
  const validate = module.exports as ValidateFunction;
  if (typeof validate !== 'function') throw new Error('not a validator');
  return validate;
}
