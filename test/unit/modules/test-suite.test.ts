import { afterEach, describe, expect, test } from '@jest/globals';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  parseJunit,
  readTestSuite,
  renderSuite,
  selection,
  summarise,
  testFiles,
} from '../../../src/modules/test-suite.js';
import { UserError } from '../../../src/util/errors.js';
import { removeTree } from '../../../src/util/fs.js';

let repo = '';
afterEach(async () => {
  if (repo) await removeTree(repo);
  repo = '';
});

async function suiteFile(spec: object): Promise<string> {
  repo = await mkdtemp(join(tmpdir(), 'fp-suite-'));
  await mkdir(join(repo, 'third-party', 'modules', 'm'), { recursive: true });
  await writeFile(
    join(repo, 'third-party', 'modules', 'm', 'test-suite.json'),
    JSON.stringify(spec),
  );
  return repo;
}

describe('test-suite.json', () => {
  test('quick entries must lie under the suite paths', async () => {
    const root = await suiteFile({ requires: [], paths: ['pkg/tests'], quick: ['pkg/other.py'] });
    const err = await readTestSuite(root, 'm').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toMatch(
      /quick entry pkg\/other\.py is not under any of its 'paths'/,
    );
  });

  test('--quick runs the selection; without it every path; an empty selection is refused', async () => {
    const root = await suiteFile({
      requires: [],
      paths: ['pkg/tests', 'pkg/more'],
      quick: ['pkg/tests/test_a.py::TestA', 'pkg/more'],
    });
    const spec = await readTestSuite(root, 'm');
    expect(selection(spec, true, 'm')).toEqual(['pkg/tests/test_a.py::TestA', 'pkg/more']);
    expect(selection(spec, false, 'm')).toEqual(['pkg/tests', 'pkg/more']);
    expect(() => selection({ ...spec, quick: [] }, true, 'm')).toThrow(/has no 'quick' selection/);
  });

  test('support files and test patches are optional lists of strings', async () => {
    const plain = await readTestSuite(await suiteFile({ requires: [], paths: ['p'] }), 'm');
    expect([plain.support, plain.patches]).toEqual([[], []]);
    await removeTree(repo);
    const root = await suiteFile({ requires: [], paths: ['p'], support: ['p/conftest.py', 3] });
    await expect(readTestSuite(root, 'm')).rejects.toThrow(/field 'support\[1\]'/);
  });
});

describe('the whole suite runs file by file', () => {
  test('test_*.py files under each directory, sorted; a file or node id stays as given', async () => {
    const site = await suiteFile({ requires: [], paths: [] });
    for (const f of ['pkg/tests/test_b.py', 'pkg/tests/test_a.py', 'pkg/tests/sub/test_c.py']) {
      await mkdir(join(site, f, '..'), { recursive: true });
      await writeFile(join(site, f), '');
    }
    await writeFile(join(site, 'pkg/tests/helper.py'), '');
    await writeFile(join(site, 'pkg/tests/test_a.pyc'), '');
    expect(await testFiles(site, ['pkg/tests', 'pkg/tests/test_a.py::TestX'])).toEqual([
      'pkg/tests/sub/test_c.py',
      'pkg/tests/test_a.py',
      'pkg/tests/test_b.py',
      'pkg/tests/test_a.py::TestX',
    ]);
  });
});

describe('junit results', () => {
  // pytest --junitxml with junit_family=xunit1 and --rootdir at the site-packages.
  const xml = `<testsuite>
<testcase classname="pkg.tests.test_a.TestA" name="test_ok[1-2]" file="pkg/tests/test_a.py" line="3"/>
<testcase classname="pkg.tests.test_a.TestA" name="test_bad" file="pkg/tests/test_a.py"><failure message="assert 1 == 2 &amp; &quot;x&quot;">x</failure></testcase>
<testcase classname="pkg.tests.test_a" name="test_module_level" file="pkg/tests/test_a.py"/>
<testcase classname="pkg.tests.test_b.TestB.TestInner" name="test_err" file="pkg/tests/test_b.py"><error message="oops"/></testcase>
<testcase classname="pkg.tests.test_b.TestB" name="test_skip" file="pkg/tests/test_b.py"><skipped message="no"/></testcase>
<testcase classname="" name="pkg.tests.test_c" file="pkg/tests/test_c.py"><error message="collection failure">ImportError while importing test module '/lib/python3.11/site-packages/pkg/tests/test_c.py'.</error></testcase>
<testcase classname="" name="pkg.tests.test_d"><error message="collection failure">ImportError while importing test module '/lib/python3.11/site-packages/pkg/tests/test_d.py'.</error></testcase>
</testsuite>`;

  test('ids are file::Class::name, a module that did not import is its file', () => {
    const cases = parseJunit(xml.split('/lib/python3.11/site-packages/').join(''));
    expect(cases).toEqual([
      { id: 'pkg/tests/test_a.py::TestA::test_ok', outcome: 'passed' },
      {
        id: 'pkg/tests/test_a.py::TestA::test_bad',
        outcome: 'failed',
        message: 'assert 1 == 2 & "x"',
      },
      { id: 'pkg/tests/test_a.py::test_module_level', outcome: 'passed' },
      { id: 'pkg/tests/test_b.py::TestB::TestInner::test_err', outcome: 'failed', message: 'oops' },
      { id: 'pkg/tests/test_b.py::TestB::test_skip', outcome: 'skipped' },
      { id: 'pkg/tests/test_c.py', outcome: 'failed', message: 'collection failure' },
      { id: 'pkg/tests/test_d.py', outcome: 'failed', message: 'collection failure' },
    ]);
  });

  test('expected failures match by id, by a prefix ending in ::, or by file', () => {
    const cases = parseJunit(xml.split('/lib/python3.11/site-packages/').join(''));
    const s = summarise(
      cases,
      { 'pkg/tests/test_b.py::TestB::': 'why', 'pkg/tests/test_c.py': 'needs ctypes' },
      4,
    );
    expect([s.files, s.run, s.passed, s.failed, s.skipped, s.expected]).toEqual([4, 7, 2, 4, 1, 2]);
    expect(s.unexpected.map((c) => c.id)).toEqual([
      'pkg/tests/test_a.py::TestA::test_bad',
      'pkg/tests/test_d.py',
    ]);
    const recipe = { name: 'pkg', version: '1.0' } as Parameters<typeof renderSuite>[0];
    const spec = { exclude: {}, expectedFailures: { 'pkg/tests/test_c.py': 'needs ctypes' } };
    const doc = renderSuite(recipe, spec as unknown as Parameters<typeof renderSuite>[1], s, '3.13.5'); // prettier-ignore
    expect(doc).toContain('inside the wasm runtime (CPython 3.13.5)');
    expect(doc).toContain('| 4 | 7 | 2 | 4 | 1 | 2 | 2 |');
    expect(doc).not.toContain('## Test files left out');
    expect(doc).toContain('- `pkg/tests/test_c.py`: needs ctypes');
    expect(doc).toContain('- `pkg/tests/test_d.py`: collection failure');
  });
});
