import { describe, expect, test } from '@jest/globals';
import { inittabSource } from '../../../src/func/inittab.js';

describe('inittabSource', () => {
  test('registers _faasm first, then every extension, ending with {0, 0}', () => {
    const c = inittabSource([
      { name: 'genshi._speedups', init: 'PyInit_genshi__speedups' },
      { name: '_faasm', init: 'PyInit__faasm' },
    ]);
    expect(c).toContain('extern PyObject *PyInit_genshi__speedups(void);');
    const table = c.slice(c.indexOf('faasm_builtin_extensions[]'));
    expect(table.indexOf('{"_faasm", PyInit__faasm}')).toBeLessThan(
      table.indexOf('{"genshi._speedups", PyInit_genshi__speedups}'),
    );
    expect(table).toContain('{0, 0},');
  });

  test('refuses a set without _faasm, naming the pyfaasm recipe', () => {
    expect(() => inittabSource([{ name: 'six_ext', init: 'PyInit_six_ext' }])).toThrow(
      /built no _faasm extension.*keep the pyfaasm recipe/,
    );
  });

  test('refuses clashing init symbols and bad names', () => {
    const faasm = { name: '_faasm', init: 'PyInit__faasm' };
    const clash = [
      faasm,
      { name: 'a._speedups', init: 'PyInit__speedups' },
      { name: 'b._speedups', init: 'PyInit__speedups' },
    ];
    expect(() => inittabSource(clash)).toThrow(/share the init symbol PyInit__speedups/);
    expect(() => inittabSource([faasm, { name: 'x;y', init: 'PyInit_x' }])).toThrow(
      /not a valid module name/,
    );
  });
});
