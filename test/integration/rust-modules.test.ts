// Rust extensions from PyPI through the modules layer (3.13 line): the sdists of rpds-py and
// pydantic-core built by cargo as wasm32-wasip1 staticlibs, linked side by side into py_func.wasm
// as the built-ins `rpds.rpds` and `pydantic_core._pydantic_core`, with their pure dependants
// (referencing, jsonschema; pydantic) in the runtime root; a Faasm function validates documents
// with jsonschema and a model with pydantic in the local host. Sizes are compared with
// py_func.wasm without them.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdir, mkdtemp, readFile, readdir, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkAbi, entrypointExports } from '../../src/faasm/profile.js';
import { readModuleAbi } from '../../src/wasm/module-abi.js';
import { runLayers, selectLayers } from '../../src/layers/runner.js';
import { createModulesLayer } from '../../src/modules/layer.js';
import { pipeline } from '../../src/pipeline.js';
import { FaasmHost } from '../../src/runner/host.js';
import { removeTree } from '../../src/util/fs.js';
import { silentReporter } from '../helpers/fake-layers.js';
import { integrationOptions } from '../helpers/runtime.js';

/** func and root of the 3.13 line with these modules (and what they require). */
async function runtime(names: string[]) {
  const layers = pipeline.map((l) => (l.name === 'modules' ? createModulesLayer({ names }) : l));
  return runLayers(selectLayers(layers, ['func', 'root']), integrationOptions({ python: '3.13' }), {
    reporter: silentReporter(),
  });
}

const FUNCTION = `import sys
import jsonschema
import rpds
from pydantic import BaseModel, ValidationError

SCHEMA = {
    "type": "object",
    "properties": {
        "name": {"type": "string"},
        "tags": {"type": "array", "items": {"type": "string"}},
        "size": {"type": "integer", "minimum": 1},
    },
    "required": ["name", "size"],
}


class Item(BaseModel):
    name: str
    size: int
    tags: list[str] = []


def faasm_main():
    m = rpds.HashTrieMap({"a": 1}).insert("b", 2).remove("a")
    print("rpds:", dict(m), list(rpds.List([1, 2]).push_front(0)), "rpds.rpds" in sys.builtin_module_names)
    jsonschema.validate({"name": "box", "tags": ["x"], "size": 3}, SCHEMA)
    validator = jsonschema.Draft202012Validator(SCHEMA)
    bad = {"name": 7, "tags": ["x", 2]}
    print("jsonschema:", sorted(e.message for e in validator.iter_errors(bad)))
    item = Item.model_validate({"name": "box", "size": "3"})
    try:
        Item(name="box", size="big")
    except ValidationError as e:
        print("pydantic:", item.model_dump_json(), e.error_count(), e.errors()[0]["type"])
    print("built-in:", "pydantic_core._pydantic_core" in sys.builtin_module_names)
    return 0
`;

let host: FaasmHost;
let functions: string;
let withRust: string;
let without: string;
let rootBytes: { with: number; without: number };

async function treeBytes(dir: string): Promise<number> {
  let total = 0;
  for (const e of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (e.isFile()) total += (await stat(join(e.parentPath, e.name))).size;
  }
  return total;
}

beforeAll(async () => {
  const base = await runtime(['pyfaasm']);
  const layers = await runtime(['pyfaasm', 'jsonschema', 'pydantic']);
  without = join(base.get('func')!.dir, 'py_func.wasm');
  withRust = join(layers.get('func')!.dir, 'py_func.wasm');
  rootBytes = {
    with: await treeBytes(layers.get('root')!.dir),
    without: await treeBytes(base.get('root')!.dir),
  };
  functions = await mkdtemp(join(tmpdir(), 'faasm-rust-'));
  await mkdir(join(functions, 'rust', 'schema'), { recursive: true });
  await writeFile(join(functions, 'rust', 'schema', 'function.py'), FUNCTION);
  host = await FaasmHost.load({
    wasmPath: withRust,
    runtimeRoot: layers.get('root')!.dir,
    functionsDir: functions,
    limits: { timeoutMs: 120_000 },
  });
}, 3_600_000);

afterAll(async () => {
  await host?.close();
  if (functions) await removeTree(functions);
});

describe('a Rust extension from PyPI in py_func.wasm (3.13)', () => {
  test("links on Faasm's WAVM with zero differences, and says what it costs", async () => {
    expect(checkAbi(readModuleAbi(await readFile(withRust)), 'wavm', entrypointExports())).toEqual(
      [],
    );
    const mb = (n: number) => `${(n / 1e6).toFixed(2)} MB`;
    const [a, b] = [(await stat(without)).size, (await stat(withRust)).size];
    console.log(
      `py_func.wasm: ${mb(a)} with pyfaasm only, ${mb(b)} with rpds-py and pydantic-core (+ referencing, jsonschema, pydantic); runtime root ${mb(rootBytes.without)} -> ${mb(rootBytes.with)}`,
    );
    expect(b).toBeGreaterThan(a);
  });

  test('a function validates documents with jsonschema on rpds, and a model with pydantic', async () => {
    const r = await host.call({ user: 'rust', func: 'schema' });
    const stdout = r.stdout;
    console.log(`first call ${Math.round(r.ms)} ms; its output:\n${stdout}`);
    expect(r.error).toBeUndefined();
    expect(r.returnCode).toBe(0);
    expect(stdout).toBe(
      [
        "rpds: {'b': 2} [0, 1, 2] True",
        'jsonschema: ["\'size\' is a required property", "2 is not of type \'string\'", "7 is not of type \'string\'"]',
        'pydantic: {"name":"box","size":3,"tags":[]} 1 int_parsing',
        'built-in: True',
        '',
      ].join('\n'),
    );
  });
});
