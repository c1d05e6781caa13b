// The faasm-python CLI as a process: bin/faasm-python.js runs this from the sources (with tsx),
// and `npm run package` bundles it to dist/cli/index.js, the CLI the cpython image carries.
import { installSafetyNet, main } from '../src/cli.js';

installSafetyNet();
process.exitCode = await main(process.argv.slice(2));
