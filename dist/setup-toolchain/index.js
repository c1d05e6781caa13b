// Made by npm run package: starts the setup-toolchain action from the bundle.
import { start } from '../cli/bundle.js';

await start('setup-toolchain');
