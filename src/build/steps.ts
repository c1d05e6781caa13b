// Build steps as data (`run` a templated command, `copy` a file), for recipes that are plain
// command lists.
import { cp, mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { LayerContext } from '../layers/types.js';
import { UserError } from '../util/errors.js';

/**
 * A build step as data: `run` a command (every argument and env value is a template), or
 * `copy` a file from the source tree into the install prefix.
 */
export type Step =
  { run: string[]; cwd?: string; env?: Record<string, string> } | { copy: string; to: string };

/** Template variables: a list is spliced as separate arguments, or joined with spaces. */
export type Vars = Record<string, string | readonly string[]>;

/** Replaces `{name}` with vars[name]; an unknown name is a recipe error, not a silent blank. */
export function expand(template: string, vars: Vars, where: string): string {
  return template.replace(/\{(\w+)\}/g, (_m, name: string) => {
    const v = vars[name];
    if (v === undefined) {
      const known = Object.keys(vars).join(', ');
      throw new UserError(`${where} uses {${name}}, which is not defined; use one of: ${known}.`);
    }
    return typeof v === 'string' ? v : v.join(' ');
  });
}

/** Expands one argument; an argument that is exactly `{list}` becomes the list's items. */
export function expandArg(arg: string, vars: Vars, where: string): string[] {
  const whole = /^\{(\w+)\}$/.exec(arg);
  const v = whole ? vars[whole[1]!] : undefined;
  if (v !== undefined && typeof v !== 'string') return [...v];
  return [expand(arg, vars, where)];
}

export async function runSteps(
  ctx: LayerContext,
  steps: readonly Step[],
  srcDir: string,
  vars: Vars,
  env: Record<string, string>,
  where: string,
): Promise<void> {
  for (const [i, step] of steps.entries()) {
    const at = `${where} step ${i + 1}`;
    if ('copy' in step) {
      const dest = join(ctx.out, expand(step.to, vars, at));
      await mkdir(dirname(dest), { recursive: true });
      await cp(join(srcDir, expand(step.copy, vars, at)), dest, { recursive: true });
      continue;
    }
    const [cmd, ...args] = step.run.flatMap((a) => expandArg(a, vars, at));
    if (!cmd) throw new UserError(`${at} has an empty 'run' list; give a command.`);
    const stepEnv = { ...env };
    for (const [k, v] of Object.entries(step.env ?? {})) stepEnv[k] = expand(v, vars, at);
    await ctx.exec(cmd, args, { cwd: step.cwd ? join(srcDir, step.cwd) : srcDir, env: stepEnv });
  }
}
