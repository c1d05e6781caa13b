/**
 * Tests that need something a machine may lack (a tool, a service, a source mirror) are chosen
 * when the file is collected: run where it is present, otherwise skipped with the reason in their
 * name, which test/summary-reporter.js lists at the end. Never passed by returning early.
 */
import { describe, test } from '@jest/globals';

type Test = (...args: Parameters<typeof test>) => void;
type Describe = (...args: Parameters<typeof describe>) => void;

const skippedName = (name: unknown, missing: string) => `${String(name)} [skipped: ${missing}]`;

/** `test`, or when `missing` says what is missing, `test.skip` naming it. */
export function testUnless(missing: string | undefined): Test {
  if (missing === undefined) return test;
  return (name, fn, timeout) => test.skip(skippedName(name, missing), fn, timeout);
}

/** `describe`, or when `missing` says what is missing, `describe.skip` naming it. */
export function describeUnless(missing: string | undefined): Describe {
  if (missing === undefined) return describe;
  return (name, fn) => describe.skip(skippedName(name, missing), fn);
}
