/**
 * Names a guest gives the host (state keys, chained entries): how long one may be, and how a
 * message quotes one. The host holds, sends and quotes names, so they are bounded like every
 * other byte it keeps for a guest, and a message stays a sentence whatever the name.
 */

/** Longest name, in bytes. */
export const MAX_NAME_BYTES = 1024;

/** A name as messages quote it: long ones are cut, with their length. */
export function quoteName(name: string): string {
  return name.length <= 80 ? name : `${name.slice(0, 60)}... (${Buffer.byteLength(name)} bytes)`;
}
