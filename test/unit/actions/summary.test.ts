import { describe, expect, test } from '@jest/globals';
import {
  cell,
  code,
  functionTable,
  keyValueTable,
  layerSection,
  layerTable,
  layerTotals,
  markdownTable,
  type LayerRow,
} from '../../../src/actions/summary.js';

const key = (c: string) => c.repeat(64);
const rows: LayerRow[] = [
  {
    name: 'toolchain',
    key: key('a'),
    dir: '/c/t',
    status: 'cached',
    ms: 12,
    size: 3_500_000,
    log: '',
  },
  {
    name: 'native',
    key: key('b'),
    dir: '/c/n',
    status: 'restored',
    ms: 4_200,
    size: 160_000_000,
    log: '',
  },
  {
    name: 'wasm',
    key: key('c'),
    dir: '/c/w',
    status: 'built',
    ms: 118_300,
    size: 52_000_000,
    log: '',
  },
];

describe('layer summary', () => {
  test('one row per layer: result, time, size and short key', () => {
    expect(layerTable(rows)).toBe(
      [
        '| Layer | Result | Time | Size | Key |',
        '| :-- | :-- | --: | --: | :-- |',
        '| toolchain | cache hit | 0.01 s | 3.34 MiB | `aaaaaaaaaaaa` |',
        '| native | restored from the Actions cache | 4.20 s | 152.6 MiB | `bbbbbbbbbbbb` |',
        '| wasm | **built** | 118.3 s | 49.6 MiB | `cccccccccccc` |',
      ].join('\n'),
    );
  });

  test('a failed layer has a row without a size', () => {
    const failed: LayerRow = { name: 'modules', key: key('d'), status: 'failed', ms: 1500 };
    expect(layerTable([failed])).toContain(
      '| modules | **failed** | 1.50 s | – | `dddddddddddd` |',
    );
    expect(layerTotals([...rows, failed], 125_000)).toBe(
      '4 layers: 1 built, 2 from cache, 1 failed, in 125.0 s.',
    );
  });

  test('totals of a warm run say nothing was built', () => {
    expect(layerTotals(rows.slice(0, 1), 20)).toBe('1 layer: 0 built, 1 from cache, in 0.02 s.');
  });
});

describe('layer section', () => {
  test('a step that built something shows its table, then the totals', () => {
    expect(layerSection('build-wasm', rows, 122_000, '/c')).toBe(
      `### build-wasm\n\n${layerTable(rows)}\n\n3 layers: 1 built, 2 from cache, in 122.0 s. Cache: \`/c\`\n`,
    );
  });

  test('a step that built nothing folds its table under the totals', () => {
    expect(layerSection('build-native', rows.slice(0, 2), 40, '/c')).toBe(
      [
        '### build-native',
        '',
        '<details><summary>2 layers: 0 built, 2 from cache, in 0.04 s. Cache: `/c`</summary>',
        '',
        layerTable(rows.slice(0, 2)),
        '',
        '</details>',
        '',
      ].join('\n'),
    );
  });
});

describe('function summary', () => {
  test('result, return code, latency and a shortened output', () => {
    const table = functionTable([
      {
        name: 'python/hello',
        passed: true,
        returnCode: 0,
        ms: 212.4,
        detail: 'Hello from Python!\n',
      },
      {
        name: 'python/broken',
        passed: false,
        returnCode: 1,
        ms: 98,
        detail: `ZeroDivisionError: division by zero | ${'x'.repeat(100)}`,
      },
    ]);
    const [, , ok, bad] = table.split('\n');
    expect(ok).toBe('| `python/hello` | ✅ passed | 0 | 212 ms | `Hello from Python!` |');
    expect(bad).toMatch(
      /^\| `python\/broken` \| ❌ \*\*failed\*\* \| 1 \| 98 ms \| `ZeroDivisionError: division by zero \\\| x+…` \|$/,
    );
  });
});

describe('markdown safety', () => {
  test('pipes, newlines and backticks cannot break a table', () => {
    expect(cell('a | b\nc')).toBe('a \\| b c');
    expect(code('say `hi`')).toBe("`say 'hi'`");
    const t = markdownTable(['k'], [[cell('x|y')]]);
    expect(t.split('\n')[2]).toBe('| x\\|y |');
  });

  test('key/value tables have a header row GitHub renders', () => {
    expect(keyValueTable([['Digest', '`sha256:1`']], ['Image', ''])).toBe(
      '| Image |  |\n| :-- | :-- |\n| Digest | `sha256:1` |',
    );
  });
});
