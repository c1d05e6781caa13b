// Made by npm run package: starts the build-image action from the bundle.
import { start } from '../cli/bundle.js';

await start('build-image');
