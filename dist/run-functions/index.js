// Made by npm run package: starts the run-functions action from the bundle.
import { start } from '../cli/bundle.js';

await start('run-functions');
