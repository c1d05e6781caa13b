// The action's entry point: it only calls run(). main.ts exports run() for tests and for
// @github/local-action, which imports main.ts and calls run() itself (so this file must not).
import { run } from './main.js';

await run();
