// How many bytes each input archive contributes to a linked module, from wasm-ld's map.
import { basename } from 'node:path';

/**
 * Bytes each input archive contributes to a linked module, from wasm-ld's `--Map` output:
 * every input-section line (`<addr> <off> <size> <out> <path>.a(<member>):(<section>)`) is
 * summed under its archive's file name. Objects that are not in an archive count under
 * their own file name. This is what an extension really adds to py_func.wasm, not its
 * archive's size on disk.
 */
export function linkedBytesByInput(map: string): Record<string, number> {
  const sizes: Record<string, number> = {};
  for (const line of map.split('\n')) {
    const m = /^\s*\S+\s+[0-9a-f]+\s+([0-9a-f]+)\s+(\S+):\(/.exec(line);
    if (!m) continue;
    const input = m[2]!;
    if (input.startsWith('<internal>')) continue;
    const archive = /^(.*\.a)\(/.exec(input);
    const name = basename(archive ? archive[1]! : input);
    sizes[name] = (sizes[name] ?? 0) + parseInt(m[1]!, 16);
  }
  return sizes;
}
