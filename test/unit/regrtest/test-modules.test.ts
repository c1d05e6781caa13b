import { describe, expect, test } from '@jest/globals';
import { testModulesOf } from '../../../src/regrtest/layers.js';

// Lines in the shape of Modules/Setup.stdlib.in's test section (3.11 has one file per module;
// 3.13 splits _testcapi and adds _testlimitedcapi).
const SETUP_313 = `
# Some testing modules MUST be built as shared libraries.
@MODULE__TESTBUFFER_TRUE@_testbuffer _testbuffer.c
@MODULE__TESTCAPI_TRUE@_testcapi _testcapimodule.c _testcapi/vectorcall.c _testcapi/heaptype.c
@MODULE__TESTLIMITEDCAPI_TRUE@_testlimitedcapi _testlimitedcapi.c _testlimitedcapi/abstract.c
@MODULE__TESTMULTIPHASE_TRUE@_testmultiphase _testmultiphase.c
`;
const SETUP_311 = '@MODULE__TESTCAPI_TRUE@_testcapi _testcapimodule.c\n';

describe('test modules from Setup.stdlib.in', () => {
  test("take every source the line's Setup lists, in order", () => {
    expect(testModulesOf(SETUP_313)).toEqual([
      {
        name: '_testcapi',
        sources: ['_testcapimodule.c', '_testcapi/vectorcall.c', '_testcapi/heaptype.c'],
      },
      { name: '_testlimitedcapi', sources: ['_testlimitedcapi.c', '_testlimitedcapi/abstract.c'] },
      { name: '_testbuffer', sources: ['_testbuffer.c'] },
    ]);
    expect(testModulesOf(SETUP_311)).toEqual([
      { name: '_testcapi', sources: ['_testcapimodule.c'] },
    ]);
  });

  test('leave out what a static build cannot have, and what the line does not list', () => {
    const names = testModulesOf(SETUP_313).map((m) => m.name);
    expect(names).not.toContain('_testmultiphase');
    expect(names).not.toContain('_testinternalcapi');
  });
});
