/**
 * Reads .github/workflows/*.yml and actions/<name>/action.yml through @actions/workflow-parser
 * (the parser GitHub's own language services use) and turns the token trees into plain values,
 * for the lint and consistency tests.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  NoOperationTraceWriter,
  convertWorkflowTemplate,
  isBasicExpression,
  isLiteral,
  isMapping,
  isSequence,
  parseWorkflow,
} from '@actions/workflow-parser';
import { convertActionTemplate, parseAction } from '@actions/workflow-parser/actions/index';
import type { TemplateToken } from '@actions/workflow-parser/templates/tokens/template-token';

export const REPO = fileURLToPath(new URL('../../..', import.meta.url)).replace(/\/$/, '');

export type Plain = null | boolean | number | string | Plain[] | { [key: string]: Plain };

/** A token tree as plain values; an expression stays as written (`${{ ... }}`). */
export function plain(token: TemplateToken): Plain {
  if (isMapping(token)) {
    const out: { [key: string]: Plain } = {};
    for (let i = 0; i < token.count; i++) {
      const { key, value } = token.get(i);
      out[key.toString()] = plain(value);
    }
    return out;
  }
  if (isSequence(token)) {
    const out: Plain[] = [];
    for (let i = 0; i < token.count; i++) out.push(plain(token.get(i)));
    return out;
  }
  if (isBasicExpression(token)) return token.source ?? `\${{ ${token.expression} }}`;
  if (isLiteral(token)) {
    const v = (token as unknown as { value?: unknown }).value; // null tokens have no value
    return v === undefined ? null : (v as Plain);
  }
  return token.toString();
}

/** The value under `key` in a mapping token. */
function entry(token: TemplateToken, key: string): TemplateToken | undefined {
  if (!isMapping(token)) return undefined;
  for (let i = 0; i < token.count; i++) {
    const kv = token.get(i);
    if (kv.key.toString() === key) return kv.value;
  }
  return undefined;
}

export const obj = (v: Plain | undefined): { [key: string]: Plain } =>
  v && typeof v === 'object' && !Array.isArray(v) ? v : {};

export interface ParsedFile {
  /** Relative to the repository. */
  path: string;
  text: string;
  errors: string[];
  value: { [key: string]: Plain };
}

export interface Job {
  id: string;
  value: { [key: string]: Plain };
  steps: { [key: string]: Plain }[];
  /** The job's lines of the file, for expressions anywhere in it. */
  text: string;
}

export interface Workflow extends ParsedFile {
  jobs: Job[];
  /** Errors from converting to the workflow model (needs, matrix, expressions in context). */
  modelErrors: string[];
}

export function workflowPaths(root = REPO): string[] {
  const dir = join(root, '.github', 'workflows');
  return existsSync(dir)
    ? readdirSync(dir)
        .filter((f) => /\.ya?ml$/.test(f))
        .sort()
        .map((f) => `.github/workflows/${f}`)
    : [];
}

export function actionNames(root = REPO): string[] {
  return readdirSync(join(root, 'actions'), { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(root, 'actions', d.name, 'action.yml')))
    .map((d) => d.name)
    .sort();
}

export async function parseWorkflowText(path: string, text: string): Promise<Workflow> {
  const result = parseWorkflow({ name: path, content: text }, new NoOperationTraceWriter());
  const errors = result.context.errors.getErrors().map((e) => e.message);
  const value = result.value ? obj(plain(result.value)) : {};
  const modelErrors: string[] = [];
  const jobs: Job[] = [];
  if (result.value) {
    const model = await convertWorkflowTemplate(result.context, result.value);
    modelErrors.push(...(model.errors ?? []).map((e) => e.Message));
    const lines = text.split('\n');
    const jobsToken = entry(result.value, 'jobs');
    if (jobsToken && isMapping(jobsToken)) {
      for (let i = 0; i < jobsToken.count; i++) {
        const { key, value: job } = jobsToken.get(i);
        const v = obj(plain(job));
        const start = key.range?.start.line ?? 1;
        const end = job.range?.end.line ?? lines.length;
        jobs.push({
          id: key.toString(),
          value: v,
          steps: (Array.isArray(v.steps) ? v.steps : []).map(obj),
          text: lines.slice(start - 1, end).join('\n'),
        });
      }
    }
  }
  return { path, text, errors, value, jobs, modelErrors };
}

export async function loadWorkflows(root = REPO): Promise<Workflow[]> {
  return Promise.all(
    workflowPaths(root).map((p) => parseWorkflowText(p, readFileSync(join(root, p), 'utf8'))),
  );
}

export interface Action extends ParsedFile {
  name: string;
  inputs: Map<string, { required: boolean; hasDefault: boolean }>;
  outputs: Set<string>;
  runs: { using?: string; main?: string };
}

export function loadAction(name: string, root = REPO): Action {
  const path = `actions/${name}/action.yml`;
  const text = readFileSync(join(root, path), 'utf8');
  const result = parseAction({ name: path, content: text }, new NoOperationTraceWriter());
  const errors = result.context.errors.getErrors().map((e) => e.message);
  const inputs = new Map<string, { required: boolean; hasDefault: boolean }>();
  const outputs = new Set<string>();
  let runs: Action['runs'] = {};
  if (result.value && errors.length === 0) {
    const template = convertActionTemplate(result.context, result.value);
    for (const i of template.inputs ?? []) {
      inputs.set(i.id, { required: i.required === true, hasDefault: i.default !== undefined });
    }
    for (const o of template.outputs ?? []) outputs.add(o.id);
    const r = template.runs as { using?: string; main?: string };
    runs = { using: r.using, main: r.main };
  }
  const value = result.value ? obj(plain(result.value)) : {};
  return { path, text, errors, value, name, inputs, outputs, runs };
}
