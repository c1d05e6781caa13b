// Made by npm run package: starts the CLI from the bundle.
import { start } from './bundle.js';

await start('cli');
