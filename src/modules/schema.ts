/**
 * JSON documents this project reads (recipes, config.json, test-suite.json, compat.json), each
 * declared once: a TypeBox schema is JSON Schema (draft 2020-12) that TypeScript also reads as a
 * type (`Static<typeof X>`). ajv checks a document against it and fills in each field's
 * `default`; every error names the exact field and says what it must be ("sources[0].sha256 must
 * be 64 hex characters, not 'abc'"), which a generic `as Recipe` cast never would.
 *
 * The vocabulary below keeps declarations short and messages good: a string's `must` (its JSON
 * Schema description) is the sentence an error quotes. A field with a `default` may be left out
 * and is always there after `validate`, so its type needs no `?`; ajv checks a default filled in
 * like a value given, so it must pass its own schema.
 */
import type { ErrorObject } from 'ajv/dist/2020.js';
import Type, {
  type Static,
  type TObject,
  type TProperties,
  type TSchema,
  type TUnsafe,
} from 'typebox';
import { validatorOf } from './validators.js';

export { Type, type Static, type TSchema };

export interface SchemaError {
  /** Dotted path of the field, e.g. `sources[0].sha256`; empty for the whole document. */
  field: string;
  message: string;
}

/** A JSON Schema document (draft 2020-12), as plain JSON. */
export type JsonSchema = { [key: string]: unknown };

/** A string matching `pattern`; `must` says what that is, for errors and editors. */
export const Str = (pattern: RegExp, must: string, options: JsonSchema = {}) =>
  Type.String({ pattern: pattern.source, description: must, ...options });

/** One of these strings. */
export const OneOf = <const V extends readonly string[]>(values: V, options: JsonSchema = {}) =>
  Type.Unsafe<V[number]>({ type: 'string', enum: [...values], ...options });

/** A string, or a list of strings (joined with newlines by the reader), for multi-line text. */
export const Lines = () =>
  Type.Union([Type.String(), Type.Array(Type.String())], {
    description: 'a string or a list of strings',
  });

/** An object whose keys are free (or match `key`) and whose values all follow `values`. */
export const Dict = <V extends TSchema>(
  values: V,
  key?: { pattern: RegExp; must: string },
  options: JsonSchema = {},
) =>
  Type.Unsafe<Record<string, Static<V>>>({
    type: 'object',
    ...(key ? { propertyNames: { pattern: key.pattern.source, description: key.must } } : {}),
    additionalProperties: values,
    ...options,
  });

/**
 * An object of these fields and no others, but `$comment` and `$schema` (a document explains
 * itself and names its schema). Fields are required unless `Type.Optional` or given a `default`.
 */
export function Fields<P extends TProperties>(props: P, options: JsonSchema = {}): TObject<P> {
  const schema = Type.Object(props, { additionalProperties: false, ...options });
  const required = (schema.required as string[] | undefined)?.filter(
    (k) => !('default' in (props[k] as object)),
  );
  // Mutated, not copied: TypeBox marks its schemas with a hidden kind that a copy would lose.
  Object.assign(schema, {
    properties: { $schema: Type.String(), $comment: Type.String(), ...schema.properties },
  });
  if (required?.length) Object.assign(schema, { required });
  else delete (schema as unknown as JsonSchema).required;
  return schema;
}

/** One of several object shapes, chosen by the string in field `tag` (e.g. a source's kind). */
export function Tagged<T extends Record<string, TObject>>(
  tag: string,
  variants: T,
): TUnsafe<Static<T[keyof T]>> {
  return Type.Unsafe<Static<T[keyof T]>>({
    type: 'object',
    required: [tag],
    properties: { [tag]: { enum: Object.keys(variants) } },
    allOf: Object.entries(variants).map(([value, variant]) => ({
      if: { required: [tag], properties: { [tag]: { const: value } } },
      then: variant,
    })),
  });
}

/**
 * `json` checked against `schema`: a copy with the defaults filled in, or every way it is wrong
 * (one error per field, in the order of the document).
 */
export function validate<T extends TSchema>(
  schema: T,
  json: unknown,
): { value: Static<T>; errors?: undefined } | { value?: undefined; errors: SchemaError[] } {
  const value: unknown = structuredClone(json);
  const v = validatorOf(schema);
  if (v(value)) return { value: value as Static<T> };
  return { errors: schemaErrors(v.errors ?? [], json) };
}

/** Every way `json` breaks `schema`; an empty list when it is valid. */
export function check(json: unknown, schema: TSchema): SchemaError[] {
  return validate(schema, json).errors ?? [];
}

const kindOf = (v: unknown) =>
  Array.isArray(v) ? 'a list' : v === null ? 'null' : `a ${typeof v}`;
const TYPE_NAMES: Record<string, string> = {
  string: 'a string',
  object: 'an object',
  array: 'a list',
  boolean: 'true or false',
};
const quoted = (v: unknown) => (typeof v === 'string' ? `'${v}'` : JSON.stringify(v));

/** A JSON pointer's steps (`/sources/0/sha256`), and `extra` after them. */
function stepsOf(pointer: string, extra?: string): string[] {
  const steps = pointer
    .split('/')
    .slice(1)
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  return extra === undefined ? steps : [...steps, extra];
}

/** `['sources', '0', 'sha256']` -> `sources[0].sha256` */
const fieldOf = (steps: string[]) =>
  steps.reduce((acc, p) => (/^\d+$/.test(p) ? `${acc}[${p}]` : acc ? `${acc}.${p}` : p), '');

/**
 * Where a field sits in the document, to sort errors as a reader meets them: each step's place
 * among its object's keys (a missing field first, as "is required" comes before the rest).
 */
function placeOf(json: unknown, steps: string[]): number[] {
  const place: number[] = [];
  let at: unknown = json;
  for (const step of steps) {
    if (Array.isArray(at)) {
      place.push(Number(step));
      at = at[Number(step)];
    } else if (typeof at === 'object' && at !== null) {
      place.push(Object.keys(at).indexOf(step));
      at = (at as Record<string, unknown>)[step];
    } else break;
  }
  return place;
}

function comparePlaces(a: number[], b: number[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

/** One ajv error as a field and a sentence, or undefined to leave it out. */
function toSchemaError(e: ErrorObject): { steps: string[]; message: string } | undefined {
  const parent = (e.parentSchema ?? {}) as JsonSchema;
  const params = e.params as Record<string, unknown>;
  const data: unknown = e.data;
  const here = stepsOf(e.instancePath);
  switch (e.keyword) {
    case 'required': {
      const name = String(params.missingProperty);
      const values = ((parent.properties ?? {}) as Record<string, JsonSchema>)[name]?.enum;
      return {
        steps: stepsOf(e.instancePath, name),
        message: Array.isArray(values)
          ? `is required: one of ${values.map(quoted).join(', ')}`
          : 'is required',
      };
    }
    case 'additionalProperties': {
      const known = Object.keys((parent.properties ?? {}) as object).filter(
        (k) => !k.startsWith('$'),
      );
      return {
        steps: stepsOf(e.instancePath, String(params.additionalProperty)),
        message: `is not a known field (the fields are: ${known.join(', ')})`,
      };
    }
    case 'type':
      return {
        steps: here,
        message: `must be ${TYPE_NAMES[String(params.type)] ?? String(params.type)}, not ${kindOf(data)}`,
      };
    case 'anyOf':
      return { steps: here, message: `must be ${String(parent.description)}, not ${kindOf(data)}` };
    case 'enum':
      return {
        steps: here,
        message: `must be one of ${(params.allowedValues as unknown[]).map(quoted).join(', ')}, not ${quoted(data)}`,
      };
    case 'minItems': {
      const n = Number(params.limit);
      return { steps: here, message: `must have at least ${n} item${n === 1 ? '' : 's'}` };
    }
    case 'pattern':
      if (e.propertyName !== undefined) {
        return {
          steps: stepsOf(e.instancePath, e.propertyName),
          message: `is not ${String(parent.description ?? 'a valid name')}`,
        };
      }
      return {
        steps: here,
        message: `must be ${String(parent.description ?? `a string matching ${String(params.pattern)}`)}, not '${String(data)}'`,
      };
    default:
      // 'if', 'propertyNames': the errors under them say it better.
      return undefined;
  }
}

/** ajv's errors as this project's: one per field (the first said), in the document's order. */
function schemaErrors(errors: ErrorObject[], json: unknown): SchemaError[] {
  const kept = errors.filter(
    // A bad union ('lines'): the anyOf error alone, not those of its branches.
    (e) =>
      !errors.some(
        (o) =>
          o !== e &&
          o.keyword === 'anyOf' &&
          (e.instancePath === o.instancePath || e.instancePath.startsWith(`${o.instancePath}/`)) &&
          e.schemaPath.startsWith(`${o.schemaPath}/`),
      ),
  );
  const out: { field: string; message: string; place: number[] }[] = [];
  for (const e of kept) {
    const se = toSchemaError(e);
    if (!se) continue;
    const field = fieldOf(se.steps);
    if (!out.some((o) => o.field === field))
      out.push({ field, message: se.message, place: placeOf(json, se.steps) });
  }
  return out
    .sort((a, b) => comparePlaces(a.place, b.place))
    .map(({ field, message }) => ({ field, message }));
}
