import { expect, test } from '@jest/globals';
import { localName, sharedDefinitions } from '../../../src/modules/shared-symbols.js';

test('a helper two extensions of a package define is renamed in every one but the first', () => {
  const shared = sharedDefinitions(
    new Map([
      ['ext/bitarray._bitarray.a', ['PyInit_bitarray__bitarray', 'PyObject_GenericHash', 'a']],
      ['ext/bitarray._util.a', ['PyInit_bitarray__util', 'PyObject_GenericHash', 'b']],
      ['ext/bitarray._x.a', ['PyObject_GenericHash', 'b']],
    ]),
  );
  expect([...shared]).toEqual([
    ['ext/bitarray._util.a', ['PyObject_GenericHash']],
    ['ext/bitarray._x.a', ['PyObject_GenericHash', 'b']],
  ]);
  expect(localName('PyObject_GenericHash', 'bitarray._util')).toBe(
    'PyObject_GenericHash__bitarray__util',
  );
});

test('init functions and symbols defined once are left alone', () => {
  const shared = sharedDefinitions(
    new Map([
      ['ext/a.a', ['PyInit_x', 'one']],
      ['ext/b.a', ['PyInit_x', 'two']],
    ]),
  );
  expect(shared.size).toBe(0);
});
