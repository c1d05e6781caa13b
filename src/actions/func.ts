// The build-func action: the entrypoint and runtime root, and with `bundle` the release bundle.
import { join, resolve } from 'node:path';
import * as core from '@actions/core';
import { pinnedSet } from '../deploy/deployment.js';
import { deploymentLayers, resolveDeployment } from '../deploy/resolve.js';
import { pipeline } from '../pipeline.js';
import { verifyBundle } from '../release/bundle.js';
import { readVersion } from '../release/version.js';
import { locateRuntime } from '../runtime/resolve.js';
import { formatBytes } from '../util/fs.js';
import { runLayersForAction, setLayerOutputs } from './build.js';
import { buildOptionsFromInputs, cacheScopeFromInputs } from './context.js';
import { ActionsCacheStore } from '../layers/actions-store.js';
import type { BuildOptions } from '../layers/types.js';
import { getBoolean, getString } from './inputs.js';
import { ActionReporter } from './reporter.js';
import { code, markdownTable, writeSummary } from './summary.js';

/** The deployment a requirements file selects (the native layer it may need, restored as any). */
async function deploymentOf(file: string, opts: BuildOptions) {
  const reporter = new ActionReporter();
  const remote = await ActionsCacheStore.create((m) => core.warning(m), cacheScopeFromInputs());
  try {
    const d = await resolveDeployment(file, opts, pipeline, {
      reporter,
      ...(remote ? { remote } : {}),
    });
    core.info(`deployment ${file}: ${pinnedSet(d).join(' ')}`);
    return d;
  } finally {
    reporter.close();
  }
}

/**
 * build-func: the entrypoint and the runtime root laid out as Faasm mounts it; with `bundle`, also
 * the release bundle layer (tarballs, py_func.wasm, manifest.json, SHA256SUMS).
 */
export async function buildFuncAction(): Promise<void> {
  const opts = buildOptionsFromInputs();
  const bundle = getBoolean('bundle');
  const targets = bundle ? ['func', 'root', 'bundle'] : ['func', 'root'];
  // A deployment's requirements file, relative to the working directory: its module set.
  const file = getString('requirements');
  const deployment = file ? await deploymentOf(resolve(opts.repoRoot, file), opts) : undefined;
  const layers = deployment ? deploymentLayers(pipeline, deployment) : pipeline;
  const run = await runLayersForAction('build-func', targets, opts, layers);
  core.setOutput('modules', deployment ? pinnedSet(deployment).join('\n') : '');
  setLayerOutputs('func', run, opts.cacheDir);
  const { wasm, runtimeRoot } = await locateRuntime(run.results);
  core.setOutput('wasm', wasm);
  core.setOutput('runtime-root', runtimeRoot);
  core.setOutput('root-key', run.results.get('root')?.key ?? '');
  const version = await readVersion(opts.repoRoot);
  core.setOutput('version', version);
  const bundleLayer = run.results.get('bundle');
  if (!bundleLayer) return;

  const dir = join(bundleLayer.dir, 'bundle');
  const { files } = await verifyBundle(dir, version);
  core.setOutput('bundle-dir', dir);
  await writeSummary(
    `#### Release bundle ${code(version)}\n\n${markdownTable(
      ['File', 'Size', 'SHA-256'],
      files.map((f) => [code(f.name), formatBytes(f.size), code(f.sha256.slice(0, 16))]),
      ['left', 'right', 'left'],
    )}\n`,
  );
}
