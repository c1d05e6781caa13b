import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import { type JsonSchema, type SchemaError, toJsonSchema } from './schema.js';
import { recipeRule } from './recipe.js';

/** The published schema, beside the recipes: `"$schema": "../recipe.schema.json"`. */
export const RECIPE_SCHEMA_FILE = 'third-party/modules/recipe.schema.json';

/** The recipe schema as a JSON Schema document (what RECIPE_SCHEMA_FILE holds). */
export function recipeJsonSchema(): JsonSchema {
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: 'https://github.com/faasm/python/third-party/modules/recipe.schema.json',
    title: 'faasm-python module recipe',
    description:
      'third-party/modules/<name>/recipe.json: one Python module for the wasm runtime. Generated from src/modules/recipe.ts (npm run recipe-schema).',
    ...toJsonSchema(recipeRule),
  };
}

let compiled: ValidateFunction | undefined;

const kindOf = (v: unknown) =>
  Array.isArray(v) ? 'a list' : v === null ? 'null' : `a ${typeof v}`;
const TYPE_NAMES: Record<string, string> = {
  string: 'a string',
  object: 'an object',
  array: 'a list',
  boolean: 'true or false',
};

/** `/sources/0/sha256` -> `sources[0].sha256` */
function fieldOf(pointer: string, extra?: string): string {
  const parts = pointer.split('/').slice(1);
  if (extra !== undefined) parts.push(extra);
  return parts
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((acc, p) => (/^\d+$/.test(p) ? `${acc}[${p}]` : acc ? `${acc}.${p}` : p), '');
}

/** One ajv error as this project's field-and-sentence error, or undefined to leave it out. */
function toSchemaError(e: ErrorObject): SchemaError | undefined {
  const parent = (e.parentSchema ?? {}) as JsonSchema;
  const params = e.params as Record<string, unknown>;
  const data: unknown = e.data;
  switch (e.keyword) {
    case 'required':
      return {
        field: fieldOf(e.instancePath, String(params.missingProperty)),
        message: 'is required',
      };
    case 'additionalProperties': {
      const known = Object.keys((parent.properties ?? {}) as object).filter(
        (k) => !k.startsWith('$'),
      );
      return {
        field: fieldOf(e.instancePath, String(params.additionalProperty)),
        message: `is not a known field (the fields are: ${known.join(', ')})`,
      };
    }
    case 'type':
      return {
        field: fieldOf(e.instancePath),
        message: `must be ${TYPE_NAMES[String(params.type)] ?? String(params.type)}, not ${kindOf(data)}`,
      };
    case 'anyOf':
      return {
        field: fieldOf(e.instancePath),
        message: `must be a string or a list of strings, not ${kindOf(data)}`,
      };
    case 'enum':
      return {
        field: fieldOf(e.instancePath),
        message: `must be one of ${(params.allowedValues as unknown[]).map((v) => `'${String(v)}'`).join(', ')}, not ${typeof data === 'string' ? `'${data}'` : JSON.stringify(data)}`,
      };
    case 'minItems': {
      const n = Number(params.limit);
      return {
        field: fieldOf(e.instancePath),
        message: `must have at least ${n} item${n === 1 ? '' : 's'}`,
      };
    }
    case 'pattern':
      if (e.propertyName !== undefined) {
        return {
          field: fieldOf(e.instancePath, e.propertyName),
          message: `is not ${String(parent.description ?? 'a valid name')}`,
        };
      }
      return {
        field: fieldOf(e.instancePath),
        message: `must be ${String(parent.description ?? `a string matching ${String(params.pattern)}`)}, not '${String(data)}'`,
      };
    default:
      // 'if', 'propertyNames': the errors under them say it better.
      return undefined;
  }
}

/** Every way `json` breaks the recipe schema, validated by ajv against the JSON Schema. */
export function recipeSchemaErrors(json: unknown): SchemaError[] {
  compiled ??= new Ajv2020({ allErrors: true, verbose: true, strict: false }).compile(
    recipeJsonSchema(),
  );
  if (compiled(json)) return [];
  const errors = (compiled.errors ?? []).filter(
    // A bad 'lines' value: the anyOf error alone, not one per branch.
    (e, _i, all) =>
      !all.some(
        (o) =>
          o !== e &&
          o.keyword === 'anyOf' &&
          o.instancePath === e.instancePath &&
          e.schemaPath.startsWith(`${o.schemaPath}/`),
      ),
  );
  const out: SchemaError[] = [];
  for (const e of errors) {
    const se = toSchemaError(e);
    if (se && !out.some((o) => o.field === se.field && o.message === se.message)) out.push(se);
  }
  return out;
}
