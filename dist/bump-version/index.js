// Made by npm run package: starts the bump-version action from the bundle.
import { start } from '../cli/bundle.js';

await start('bump-version');
