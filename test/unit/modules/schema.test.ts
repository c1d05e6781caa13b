import { describe, expect, test } from '@jest/globals';
import {
  Dict,
  Fields,
  Lines,
  OneOf,
  Str,
  Tagged,
  Type,
  check,
  validate,
} from '../../../src/modules/schema.js';

const Doc = Fields({
  name: Str(/^[a-z]+$/, 'a lower-case name'),
  kind: OneOf(['a', 'b']),
  tags: Type.Array(Type.String(), { default: [] }),
  note: Type.Optional(Type.String()),
  text: Lines(),
  env: Dict(Type.String(), { pattern: /^[A-Z]+$/, must: 'an upper-case name' }, { default: {} }),
  item: Type.Optional(
    Tagged('kind', {
      x: Fields({ kind: Type.Literal('x'), size: Type.Array(Type.String(), { minItems: 1 }) }),
      y: Fields({ kind: Type.Literal('y') }),
    }),
  ),
});

describe('one declaration: types, defaults and checks', () => {
  test('fills in the defaults on a copy and leaves the input alone', () => {
    const json = { name: 'n', kind: 'a', text: ['one', 'two'] };
    const { value, errors } = validate(Doc, json);
    expect(errors).toBeUndefined();
    expect(value).toEqual({ ...json, tags: [], env: {} });
    expect(json).toEqual({ name: 'n', kind: 'a', text: ['one', 'two'] });
    // Each document gets its own default, never one shared list.
    value!.tags.push('x');
    expect(validate(Doc, json).value!.tags).toEqual([]);
  });

  test('a field with a default is not required in the JSON Schema; $comment and $schema are allowed', () => {
    expect(Doc.required).toEqual(['name', 'kind', 'text']);
    const ok = { $schema: '../s.json', $comment: 'why', name: 'n', kind: 'b', text: '' };
    expect(check(ok, Doc)).toEqual([]);
  });

  test('names each wrong field once, in the order of the document, missing fields first', () => {
    expect(check({ text: 1, kind: 3, extra: true, name: 'N' }, Doc)).toEqual([
      { field: 'text', message: 'must be a string or a list of strings, not a number' },
      // 'kind' breaks its type and its enum: the first is said.
      { field: 'kind', message: 'must be a string, not a number' },
      {
        field: 'extra',
        message: 'is not a known field (the fields are: name, kind, tags, note, text, env, item)',
      },
      { field: 'name', message: "must be a lower-case name, not 'N'" },
    ]);
    expect(check({ text: 1, kind: 'a' }, Doc)).toEqual([
      { field: 'name', message: 'is required' },
      { field: 'text', message: 'must be a string or a list of strings, not a number' },
    ]);
    expect(check({ kind: 'a', text: 'x' }, Doc)).toEqual([
      { field: 'name', message: 'is required' },
    ]);
  });

  test('a union of strings and lists says so once, not once per branch', () => {
    expect(check({ name: 'n', kind: 'a', text: [1] }, Doc)).toEqual([
      { field: 'text', message: 'must be a string or a list of strings, not a list' },
    ]);
  });

  test('a map names the bad key, and a bad value by its key', () => {
    expect(check({ name: 'n', kind: 'a', text: '', env: { lower: 'x', OK: 1 } }, Doc)).toEqual([
      { field: 'env.lower', message: 'is not an upper-case name' },
      { field: 'env.OK', message: 'must be a string, not a number' },
    ]);
  });

  test('a tagged shape is chosen by its tag; a missing or unknown tag lists the choices', () => {
    const doc = (item: unknown) => ({ name: 'n', kind: 'a', text: '', item });
    expect(check(doc({ kind: 'x', size: ['1'] }), Doc)).toEqual([]);
    expect(check(doc({ kind: 'y', size: [] }), Doc)).toEqual([
      { field: 'item.size', message: 'is not a known field (the fields are: kind)' },
    ]);
    expect(check(doc({ kind: 'x', size: [] }), Doc)).toEqual([
      { field: 'item.size', message: 'must have at least 1 item' },
    ]);
    expect(check(doc({ size: [] }), Doc)).toEqual([
      { field: 'item.kind', message: "is required: one of 'x', 'y'" },
    ]);
    expect(check(doc({ kind: 'z' }), Doc)).toEqual([
      { field: 'item.kind', message: "must be one of 'x', 'y', not 'z'" },
    ]);
  });

  test('the whole document of the wrong kind', () => {
    expect(check([], Doc)).toEqual([{ field: '', message: 'must be an object, not a list' }]);
  });
});
