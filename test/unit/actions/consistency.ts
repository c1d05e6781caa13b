import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { type Action, REPO, type Workflow, loadAction, obj } from './workflow-files.js';

/**
 * What a workflow asks of the repository's own actions that they do not offer: a `uses:
 * ./actions/x` without an action.yml, a `with:` key the action does not declare, a required input
 * left out, a `steps.<id>.outputs.<name>` the step's action does not declare, a
 * `needs.<job>.outputs.<name>` the job does not declare. One line per problem.
 */
export function localActionProblems(
  w: Workflow,
  load: (name: string) => Action | undefined = (name) =>
    existsSync(join(REPO, 'actions', name, 'action.yml')) ? loadAction(name) : undefined,
): string[] {
  const problems: string[] = [];
  const jobOutputs = new Map(w.jobs.map((j) => [j.id, new Set(Object.keys(obj(j.value.outputs)))]));
  for (const job of w.jobs) {
    const where = `${w.path} job ${job.id}`;
    const stepActions = new Map<string, Action | 'other'>();
    for (const [i, step] of job.steps.entries()) {
      const uses = typeof step.uses === 'string' ? step.uses : undefined;
      const m = uses ? /^\.\/actions\/([\w-]+)$/.exec(uses) : null;
      const action = m?.[1] ? load(m[1]) : undefined;
      const id = typeof step.id === 'string' ? step.id : undefined;
      if (uses?.startsWith('./') && !action) {
        problems.push(`${where} step ${i + 1}: ${uses} has no action.yml`);
      }
      if (id) stepActions.set(id, action ?? 'other');
      if (!action) continue;
      const given = Object.keys(obj(step.with));
      for (const key of given) {
        if (!action.inputs.has(key)) problems.push(`${where}: ${uses} has no input '${key}'`);
      }
      for (const [key, spec] of action.inputs) {
        if (spec.required && !spec.hasDefault && !given.includes(key)) {
          problems.push(`${where}: ${uses} needs input '${key}'`);
        }
      }
    }
    for (const [, id, name] of job.text.matchAll(/\bsteps\.([\w-]+)\.outputs\.([\w-]+)/g)) {
      const action = stepActions.get(id!);
      if (!action)
        problems.push(`${where}: reads steps.${id}.outputs.${name} but has no step '${id}'`);
      else if (action !== 'other' && !action.outputs.has(name!)) {
        problems.push(
          `${where}: reads steps.${id}.outputs.${name} but ${action.name} has no output '${name}'`,
        );
      }
    }
    const needs = job.value.needs;
    const needed = new Set(Array.isArray(needs) ? needs.map(String) : needs ? [String(needs)] : []);
    for (const [, other, name] of job.text.matchAll(/\bneeds\.([\w-]+)\.outputs\.([\w-]+)/g)) {
      if (!needed.has(other!)) problems.push(`${where}: reads needs.${other} but does not need it`);
      else if (!jobOutputs.get(other!)?.has(name!)) {
        problems.push(
          `${where}: reads needs.${other}.outputs.${name} but job ${other} has no such output`,
        );
      }
    }
  }
  return problems;
}
