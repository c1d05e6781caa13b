// The Faasm host's call worker, bundled to dist/cli/worker.js: the host starts it from
// new URL('./worker.js', import.meta.url), which in the bundle is beside bundle.js.
import '../src/runner/worker.js';
