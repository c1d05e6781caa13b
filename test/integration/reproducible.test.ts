// Same inputs, same bytes: each layer here is rebuilt in a second, empty cache (another path,
// process and working directory; its dependencies copied in) and the two outputs compared
// file by file. The wasm layer once differed in six files (python.wasm, libpython, sysconfig's
// data, the Makefile, config.c and build.json): the cache path was compiled into them.
import { describe, expect, test } from '@jest/globals';
import { describeDifference, reproduceLayer } from '../../src/layers/reproduce.js';
import { pipeline } from '../../src/pipeline.js';
import { silentReporter } from '../helpers/fake-layers.js';
import { buildLayers, integrationOptions } from '../helpers/runtime.js';

// The modules layer (numpy's 15-minute build) is compared by the weekly reproducible workflow;
// func and root take it as it is and are compared here.
const LAYERS = ['zlib', 'sqlite3', 'wasm', 'func', 'root'];

describe('a layer rebuilt in another cache has the same bytes', () => {
  test.each(LAYERS)('%s', async (name) => {
    await buildLayers([name]);
    const r = await reproduceLayer(pipeline, name, integrationOptions(), silentReporter());
    expect(r.files).toBeGreaterThan(0);
    expect(r.differences.map(describeDifference)).toEqual([]);
  });
});
