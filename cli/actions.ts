// Every action's run(), by name, for the bundle (cli/bundle.ts). One module, so the bundle keeps
// the actions in one chunk: the code they share (inputs, reporting, run-action) is there once,
// where a chunk per action would carry its own copy of each small shared module.
import { run as buildFunc } from '../actions/build-func/main.js';
import { run as buildImage } from '../actions/build-image/main.js';
import { run as buildModules } from '../actions/build-modules/main.js';
import { run as buildNative } from '../actions/build-native/main.js';
import { run as buildWasm } from '../actions/build-wasm/main.js';
import { run as bumpVersion } from '../actions/bump-version/main.js';
import { run as runFunctions } from '../actions/run-functions/main.js';
import { run as setupToolchain } from '../actions/setup-toolchain/main.js';
import { run as tagRelease } from '../actions/tag-release/main.js';

export const actions: Record<string, () => Promise<void>> = {
  'build-func': buildFunc,
  'build-image': buildImage,
  'build-modules': buildModules,
  'build-native': buildNative,
  'build-wasm': buildWasm,
  'bump-version': bumpVersion,
  'run-functions': runFunctions,
  'setup-toolchain': setupToolchain,
  'tag-release': tagRelease,
};
