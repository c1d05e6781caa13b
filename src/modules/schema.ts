/**
 * A small JSON-schema-like validator: enough to check recipes and name the exact field that is
 * wrong ("sources[0].sha256"), which a generic `as Recipe` cast never would.
 */
export type Rule =
  | { type: 'string'; pattern?: RegExp; enum?: readonly string[]; must?: string }
  | { type: 'boolean' }
  | { type: 'array'; items: Rule; minItems?: number }
  /** A string, or a list of strings (joined with newlines), for multi-line text in JSON. */
  | { type: 'lines' }
  /** An object whose keys are free and whose values all follow one rule. */
  | { type: 'map'; values: Rule; keyPattern?: RegExp; keyMust?: string }
  | { type: 'object'; fields: Record<string, Rule>; required?: readonly string[] }
  /** One of several object shapes, chosen by the string in field `tag`. */
  | { type: 'tagged'; tag: string; variants: Record<string, Rule & { type: 'object' }> };

export interface SchemaError {
  /** Dotted path of the field, e.g. `sources[0].sha256`; empty for the whole document. */
  field: string;
  message: string;
}

const kindOf = (v: unknown) =>
  Array.isArray(v) ? 'a list' : v === null ? 'null' : `a ${typeof v}`;
const join = (path: string, key: string | number) =>
  typeof key === 'number' ? `${path}[${key}]` : path ? `${path}.${key}` : key;

/** Every way `value` breaks `rule`; an empty list when it is valid. */
export function check(value: unknown, rule: Rule, path = ''): SchemaError[] {
  const fail = (message: string): SchemaError[] => [{ field: path, message }];
  switch (rule.type) {
    case 'string':
      if (typeof value !== 'string') return fail(`must be a string, not ${kindOf(value)}`);
      if (rule.enum && !rule.enum.includes(value)) {
        return fail(`must be one of ${rule.enum.map((e) => `'${e}'`).join(', ')}, not '${value}'`);
      }
      if (rule.pattern && !rule.pattern.test(value)) {
        return fail(`must be ${rule.must ?? `a string matching ${rule.pattern}`}, not '${value}'`);
      }
      return [];
    case 'boolean':
      return typeof value === 'boolean' ? [] : fail(`must be true or false, not ${kindOf(value)}`);
    case 'lines':
      if (typeof value === 'string') return [];
      if (Array.isArray(value) && value.every((l) => typeof l === 'string')) return [];
      return fail(`must be a string or a list of strings, not ${kindOf(value)}`);
    case 'array': {
      if (!Array.isArray(value)) return fail(`must be a list, not ${kindOf(value)}`);
      if (value.length < (rule.minItems ?? 0)) {
        return fail(`must have at least ${rule.minItems} item${rule.minItems === 1 ? '' : 's'}`);
      }
      return value.flatMap((item, i) => check(item, rule.items, join(path, i)));
    }
    case 'map': {
      if (!isObject(value)) return fail(`must be an object, not ${kindOf(value)}`);
      return Object.entries(value).flatMap(([k, v]) =>
        rule.keyPattern && !rule.keyPattern.test(k)
          ? [{ field: join(path, k), message: `is not ${rule.keyMust ?? 'a valid name'}` }]
          : check(v, rule.values, join(path, k)),
      );
    }
    case 'object': {
      if (!isObject(value)) return fail(`must be an object, not ${kindOf(value)}`);
      const errors: SchemaError[] = [];
      for (const name of rule.required ?? []) {
        if (!(name in value)) errors.push({ field: join(path, name), message: 'is required' });
      }
      for (const [k, v] of Object.entries(value)) {
        // `$comment` is the one free field, as in JSON Schema: recipes explain themselves.
        if (k === '$comment' || k === '$schema') continue;
        const sub = rule.fields[k];
        if (!sub) {
          const known = Object.keys(rule.fields).join(', ');
          errors.push({
            field: join(path, k),
            message: `is not a known field (the fields are: ${known})`,
          });
        } else errors.push(...check(v, sub, join(path, k)));
      }
      return errors;
    }
    case 'tagged': {
      if (!isObject(value)) return fail(`must be an object, not ${kindOf(value)}`);
      const tag = value[rule.tag];
      const variant = typeof tag === 'string' ? rule.variants[tag] : undefined;
      if (!variant) {
        const tags = Object.keys(rule.variants)
          .map((t) => `'${t}'`)
          .join(', ');
        return [
          {
            field: join(path, rule.tag),
            message: `must be one of ${tags}, not ${typeof tag === 'string' ? `'${tag}'` : JSON.stringify(tag)}`,
          },
        ];
      }
      return check(value, variant, path);
    }
  }
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A JSON Schema document (draft 2020-12), as plain JSON. */
export type JsonSchema = { [key: string]: unknown };

/**
 * The JSON Schema (draft 2020-12) of a rule: what editors read through a recipe's `$schema` to
 * complete and check it, and what ajv validates against. `must` becomes the description that
 * error messages quote.
 */
export function toJsonSchema(rule: Rule): JsonSchema {
  switch (rule.type) {
    case 'string':
      return {
        type: 'string',
        ...(rule.enum ? { enum: [...rule.enum] } : {}),
        ...(rule.pattern ? { pattern: rule.pattern.source } : {}),
        ...(rule.must ? { description: rule.must } : {}),
      };
    case 'boolean':
      return { type: 'boolean' };
    case 'lines':
      return {
        description: 'a string, or a list of lines',
        anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }],
      };
    case 'array':
      return {
        type: 'array',
        items: toJsonSchema(rule.items),
        ...(rule.minItems ? { minItems: rule.minItems } : {}),
      };
    case 'map':
      return {
        type: 'object',
        ...(rule.keyPattern
          ? {
              propertyNames: {
                pattern: rule.keyPattern.source,
                ...(rule.keyMust ? { description: rule.keyMust } : {}),
              },
            }
          : {}),
        additionalProperties: toJsonSchema(rule.values),
      };
    case 'object':
      return {
        type: 'object',
        properties: {
          $schema: { type: 'string' },
          $comment: { type: 'string' },
          ...Object.fromEntries(Object.entries(rule.fields).map(([k, r]) => [k, toJsonSchema(r)])),
        },
        ...(rule.required?.length ? { required: [...rule.required] } : {}),
        additionalProperties: false,
      };
    case 'tagged':
      return {
        type: 'object',
        required: [rule.tag],
        properties: { [rule.tag]: { enum: Object.keys(rule.variants) } },
        allOf: Object.entries(rule.variants).map(([tag, variant]) => ({
          if: { properties: { [rule.tag]: { const: tag } } },
          then: toJsonSchema(variant),
        })),
      };
  }
}
