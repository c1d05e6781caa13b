// Made by npm run package: starts the build-func action from the bundle.
import { start } from '../cli/bundle.js';

await start('build-func');
