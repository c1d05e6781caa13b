// Made by npm run package: starts the tag-release action from the bundle.
import { start } from '../cli/bundle.js';

await start('tag-release');
