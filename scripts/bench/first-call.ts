// The bench's first call, in a process of its own (in the bench's process V8 would reuse the
// module it already compiled): load the host, call hello once. argv: <py_func.wasm> <runtime
// root> <functions dir> [snapshot dir]. Prints {"ms": load + compile + zygote or snapshot + hello}.
import { FaasmHost } from '../../src/runner/host.js';

const [wasmPath, runtimeRoot, functionsDir, snapshotDir] = process.argv.slice(2);
const t0 = performance.now();
const host = await FaasmHost.load({
  wasmPath: wasmPath!,
  runtimeRoot: runtimeRoot!,
  functionsDir,
  ...(snapshotDir ? { snapshotDir } : {}),
});
const r = await host.call({ user: 'python', func: 'hello' });
const ms = performance.now() - t0;
await host.close();
if (r.returnCode !== 0) throw new Error(`hello failed: ${r.error}`);
process.stdout.write(`${JSON.stringify({ ms })}\n`);
