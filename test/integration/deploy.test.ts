import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveDeployment, deploymentLayers } from '../../src/deploy/resolve.js';
import { planLayers, runLayers, selectLayers } from '../../src/layers/runner.js';
import type { LayerResult } from '../../src/layers/types.js';
import { pipeline } from '../../src/pipeline.js';
import { SUPPORT_FILES } from '../../src/modules/layer.js';
import { REPO_ROOT } from '../../src/paths.js';
import { FaasmHost } from '../../src/runner/host.js';
import { removeTree } from '../../src/util/fs.js';
import { silentReporter } from '../helpers/fake-layers.js';
import { repoCli, repoCopy } from '../helpers/repo-copy.js';
import { integrationOptions } from '../helpers/runtime.js';

// Deployments: a requirements file selects the modules of one runtime (build --requirements).
// A small set links exactly its built-ins and installs exactly its site-packages; the default
// runtime's keys do not move for the optional recipes in the repository; a deployment with
// pandas reads CSV, groups and joins inside the runtime. Sizes and first-call times of the
// default runtime and of the pandas deployment are printed for the record.
let dir: string;
let functions: string;
const hosts: FaasmHost[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fp-deploy-'));
  functions = join(dir, 'functions');
  const fn = async (name: string, body: string[]) => {
    await mkdir(join(functions, 'demo', name), { recursive: true });
    await writeFile(join(functions, 'demo', name, 'function.py'), `${body.join('\n')}\n`);
  };
  await fn('hello', [
    'from pyfaasm.core import write_output',
    'def faasm_main():',
    '    write_output(b"hello")',
    '    return 0',
  ]);
  await fn('small', [
    'import sys, pyaes, ujson',
    'from pyfaasm.core import write_output',
    'def faasm_main():',
    '    assert "ujson" in sys.builtin_module_names',
    '    try:',
    '        import numpy',
    '        missing = "numpy is here"',
    '    except ImportError:',
    '        missing = "no numpy"',
    '    aes = pyaes.AESModeOfOperationECB(b"k" * 16)',
    '    write_output(ujson.dumps([aes.encrypt(b"x" * 16).hex()[:8], missing]).encode())',
    '    return 0',
  ]);
  await fn('frame', [
    'import io',
    'import pandas as pd',
    'from pyfaasm.core import write_output',
    'SALES = """region,product,units,price',
    'north,apple,10,0.5',
    'north,pear,4,0.75',
    'south,apple,7,0.5',
    'south,plum,12,0.25',
    'east,pear,9,0.75',
    '"""',
    'REGIONS = "region,manager\\nnorth,Ada\\nsouth,Grace\\neast,Edsger\\n"',
    'def faasm_main():',
    '    sales = pd.read_csv(io.StringIO(SALES))',
    '    sales["revenue"] = sales["units"] * sales["price"]',
    '    by_region = sales.groupby("region", as_index=False).agg(units=("units", "sum"), revenue=("revenue", "sum"))',
    '    managers = pd.read_csv(io.StringIO(REGIONS))',
    '    joined = by_region.merge(managers, on="region", how="inner").sort_values("revenue", ascending=False)',
    '    write_output(joined.to_string(index=False).encode())',
    '    return 0',
  ]);
});

afterAll(async () => {
  await Promise.all(hosts.map((h) => h.close()));
  if (dir) await removeTree(dir);
});

async function requirements(name: string, text: string): Promise<string> {
  const file = join(dir, name);
  await writeFile(file, text);
  return file;
}

/** The deployment's func and root layers, built (or from the cache) as `build --requirements` does. */
async function buildDeployment(file: string) {
  const opts = integrationOptions();
  const run = { reporter: silentReporter() };
  const d = await resolveDeployment(file, opts, pipeline, run);
  const layers = await runLayers(
    selectLayers(deploymentLayers(pipeline, d), ['func', 'root']),
    opts,
    run,
  );
  return { d, layers };
}

async function sitePackages(root: LayerResult): Promise<string[]> {
  const lib = (await readdir(join(root.dir, 'lib'))).find((d) => d.startsWith('python3'))!;
  return (await readdir(join(root.dir, 'lib', lib, 'site-packages'))).sort();
}

async function dirBytes(path: string): Promise<number> {
  let n = 0;
  for (const e of await readdir(path, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) n += (await stat(join(e.parentPath, e.name))).size;
  }
  return n;
}

/** Load (compile, zygote) plus the first call, and the call alone. */
async function firstCall(layers: Map<string, LayerResult>, func: string) {
  const started = Date.now();
  const host = await FaasmHost.load({
    wasmPath: join(layers.get('func')!.dir, 'py_func.wasm'),
    runtimeRoot: layers.get('root')!.dir,
    functionsDir: functions,
  });
  hosts.push(host);
  const loaded = Date.now();
  const r = await host.call({ user: 'demo', func });
  if (r.returnCode !== 0) console.error(r.error, r.stdout, r.stderr);
  expect(r.returnCode).toBe(0);
  return { output: Buffer.from(r.output).toString(), loadMs: loaded - started, callMs: r.ms };
}

describe('deployments', () => {
  test('a small set links exactly its built-ins and installs exactly its site-packages', async () => {
    const file = await requirements(
      'small.txt',
      '# two modules\npyaes==1.6.1\nujson>=6  # a C extension\n',
    );
    // Through the CLI, as a user builds it.
    const cli = await repoCli(REPO_ROOT, 'build', '--requirements', file, '--json', '-j', '2');
    if (cli.code !== 0) console.error(cli.err);
    expect(cli.code).toBe(0);
    const out = JSON.parse(cli.out) as {
      deployment: string[];
      layers: { name: string; dir: string }[];
    };
    expect(out.deployment).toEqual(['pyaes==1.6.1', 'pyfaasm==0.5.0', 'ujson==6.1.0']);
    const { layers } = await buildDeployment(file);
    const func = JSON.parse(await readFile(join(layers.get('func')!.dir, 'func.json'), 'utf8'));
    expect([...func.builtins].sort()).toEqual(['_faasm', 'ujson']);
    const site = await sitePackages(layers.get('root')!);
    expect(site.filter((f) => f.endsWith('.dist-info'))).toEqual([
      'pyaes-1.6.1.dist-info',
      'pyfaasm-0.5.0.dist-info',
      'ujson-6.1.0.dist-info',
    ]);
    // Bytecode aside (the root layer compiles it), the runtime's support files and the packages'
    // own files, nothing else.
    expect(site.filter((f) => !f.endsWith('.dist-info') && f !== '__pycache__')).toEqual(
      [...SUPPORT_FILES, 'pyaes', 'pyfaasm', 'ujson-stubs'].sort(),
    );
    const r = await firstCall(layers, 'small');
    expect(JSON.parse(r.output)).toEqual([expect.stringMatching(/^[0-9a-f]{8}$/), 'no numpy']);
  }, 3_600_000);

  test("the default runtime's keys do not depend on the optional recipes; a deployment's differ", async () => {
    const opts = integrationOptions();
    const keys = async (repoRoot: string) =>
      new Map(
        (await planLayers(selectLayers(pipeline, ['func', 'root']), { ...opts, repoRoot })).map(
          (p) => [p.layer.name, p.key],
        ),
      );
    const here = await keys(REPO_ROOT);
    const copy = await repoCopy('fp-deploy-repo-');
    try {
      for (const name of ['pandas', 'python-dateutil', 'tzdata'])
        await rm(join(copy, 'third-party', 'modules', name), { recursive: true, force: true });
      const without = await keys(copy);
      expect(without.get('modules')).toBe(here.get('modules'));
      expect(without.get('func')).toBe(here.get('func'));
      expect(without.get('root')).toBe(here.get('root'));
    } finally {
      await removeTree(copy);
    }
    const d = await resolveDeployment(await requirements('one.txt', 'six\n'), opts, pipeline, {
      reporter: silentReporter(),
    });
    const plan = await planLayers(selectLayers(deploymentLayers(pipeline, d), ['func']), opts);
    expect(plan.find((p) => p.layer.name === 'func')!.key).not.toBe(here.get('func'));
  }, 600_000);

  test('pandas: a deployment that reads CSV, groups and joins; sizes and first calls against the default', async () => {
    const { d, layers } = await buildDeployment(
      await requirements('pandas.txt', 'pandas==3.1.1\n'),
    );
    expect(d.recipes.map((r) => r.name)).toEqual(
      expect.arrayContaining(['pandas', 'numpy', 'python-dateutil', 'pyfaasm']),
    );
    const frame = await firstCall(layers, 'frame');
    console.log(`pandas deployment, function 'frame' output:\n${frame.output}`);
    expect(frame.output.split('\n').map((l) => l.trim().split(/\s+/))).toEqual([
      ['region', 'units', 'revenue', 'manager'],
      ['north', '14', '8.00', 'Ada'],
      ['east', '9', '6.75', 'Edsger'],
      ['south', '19', '6.50', 'Grace'],
    ]);

    const defaults = await runLayers(
      selectLayers(pipeline, ['func', 'root']),
      integrationOptions(),
      { reporter: silentReporter() },
    );
    const rows: string[] = [];
    for (const [what, ls] of [
      ['default', defaults],
      ['pandas', layers],
    ] as const) {
      const wasm = (await stat(join(ls.get('func')!.dir, 'py_func.wasm'))).size;
      const root = await dirBytes(ls.get('root')!.dir);
      const hello = await firstCall(ls, 'hello');
      rows.push(
        `${what}: py_func.wasm ${(wasm / 1e6).toFixed(2)} MB, root ${(root / 1e6).toFixed(1)} MB, first call (hello): load ${hello.loadMs} ms + call ${Math.round(hello.callMs)} ms`,
      );
    }
    rows.push(
      `pandas: first call (frame): load ${frame.loadMs} ms + call ${Math.round(frame.callMs)} ms`,
    );
    console.log(rows.join('\n'));
  }, 7_200_000);
});
