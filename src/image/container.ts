// Running a command in an image with docker or podman.
import { UserError } from '../util/errors.js';
import { type ExecOptions, type ExecResult, exec, probe } from '../util/exec.js';
import type { Engine } from './engine.js';

/**
 * Podman where the host forbids raising resource limits and mounts cgroups v1 and v2 side by
 * side (a CI container, as where the tests run) cannot start a container with its defaults: crun
 * refuses hybrid cgroups, and the default RLIMIT_NOFILE/NPROC are above what may be set. runc
 * with limits no higher than the usual defaults starts there.
 */
const CONFINED_PODMAN = [
  '--runtime', 'runc', '--ulimit', 'nofile=1024:1024', '--ulimit', 'nproc=4096:4096',
]; // prettier-ignore

const flagsByEngine = new Map<Engine, string[]>();

/**
 * The `run` flags that start a container of `image` with this engine here: none where the
 * defaults work, else (podman) CONFINED_PODMAN. Found once per process by running `true`.
 */
export async function containerRunFlags(engine: Engine, image: string): Promise<string[]> {
  const known = flagsByEngine.get(engine);
  if (known) return known;
  const tries = engine === 'podman' ? [[], CONFINED_PODMAN] : [[]];
  let error = '';
  for (const flags of tries) {
    try {
      await exec(engine, ['run', '--rm', ...flags, image, 'true']);
      flagsByEngine.set(engine, flags);
      return flags;
    } catch (err) {
      error ||= (err as { tail?: string[] }).tail?.at(-1) ?? String(err);
    }
  }
  const runc = engine === 'podman' && (await probe('runc', ['--version'])) === undefined;
  throw new UserError(
    `${engine} cannot start a container here (${error.trim()})${runc ? '; install runc (apt-get install -y runc) and try again' : ''}.`,
  );
}

export interface RunInImageOptions extends ExecOptions {
  /** host:container[:ro] bind mounts. */
  volumes?: string[];
  /** Share the host's network (to reach a server on 127.0.0.1). */
  hostNetwork?: boolean;
}

/** `<engine> run --rm` of `args` in `image`, through the exec helper. */
export async function runInImage(
  engine: Engine,
  image: string,
  args: readonly string[],
  opts: RunInImageOptions = {},
): Promise<ExecResult> {
  const { volumes = [], hostNetwork = false, ...execOpts } = opts;
  const flags = [
    ...(await containerRunFlags(engine, image)),
    ...volumes.flatMap((v) => ['-v', v]),
    ...(hostNetwork ? ['--network', 'host'] : []),
  ];
  return exec(engine, ['run', '--rm', ...flags, image, ...args], execOpts);
}
