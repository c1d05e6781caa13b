// Runs fake layers in a separate process, for the kill and concurrency tests.
// argv: cacheDir buildLog delayMs
import { runLayers } from '../../src/layers/runner.js';
import { fileLayer, silentReporter, testOptions } from './fake-layers.js';

const [cacheDir = '', buildLog = '', delay = '0'] = process.argv.slice(2);
const layers = [
  fileLayer('base', 'b1', { buildLog }),
  fileLayer('slow', 's1', { deps: ['base'], buildLog, delayMs: Number(delay) }),
];
const results = await runLayers(layers, testOptions(cacheDir), { reporter: silentReporter() });
process.stdout.write(JSON.stringify([...results.values()].map((r) => [r.name, r.status, r.dir])));
