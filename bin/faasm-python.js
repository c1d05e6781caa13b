#!/usr/bin/env node
// Runs the TypeScript sources directly (tsx), so a checkout needs no separate compile step.
import { register } from 'tsx/esm/api';

register();
const { main, installSafetyNet } = await import('../src/cli.ts');
installSafetyNet();
process.exitCode = await main(process.argv.slice(2));
