// Every layer, dependencies first, and the default targets: the one place that knows them all.
import { nativeLayer } from './cpython/native-layer.js';
import { wasmLayer } from './cpython/wasm-layer.js';
import { funcLayer } from './func/layer.js';
import type { Layer } from './layers/types.js';
import { modulesLayer } from './modules/layer.js';
import { suiteLayer } from './modules/suite-layer.js';
import { bundleLayer } from './runtime/bundle-layer.js';
import { wasmTestsLayer } from './regrtest/layers.js';
import { nativeTestsLayer } from './regrtest/native-tests-layer.js';
import { rootLayer } from './runtime/root-layer.js';
import { cLibraryLayer } from './toolchain/c-library.js';
import { toolchainLayer } from './toolchain/layer.js';

/** Every layer, dependencies first. */
export const pipeline: readonly Layer[] = [
  toolchainLayer,
  cLibraryLayer('zlib', 'zlib for the zlib, gzip and zipfile modules'),
  cLibraryLayer('bzip2', 'libbz2 for the bz2 module'),
  cLibraryLayer('xz', 'liblzma for the lzma module'),
  cLibraryLayer('sqlite3', 'SQLite for the sqlite3 module'),
  cLibraryLayer('openssl', 'OpenSSL for the ssl and _hashlib modules'),
  cLibraryLayer('libffi', 'libffi (its wasm32-wasi target) for ctypes and cffi'),
  nativeLayer,
  wasmLayer,
  modulesLayer,
  funcLayer,
  rootLayer,
  bundleLayer,
  // Test-only: CPython's regression suite and test modules, never part of the runtime.
  wasmTestsLayer,
  nativeTestsLayer,
  // Test-only: the interpreter modules' own test suites run on (their test-only extensions in).
  suiteLayer,
];

/** What `faasm-python build` builds by default: the runtime, not the release bundle. */
export const DEFAULT_TARGETS = ['func', 'root'];
