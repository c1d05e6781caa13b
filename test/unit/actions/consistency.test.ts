import { beforeAll, describe, expect, test } from '@jest/globals';
import { localActionProblems } from './consistency.js';
import { type Workflow, loadWorkflows, parseWorkflowText } from './workflow-files.js';

let workflows: Workflow[];
beforeAll(async () => {
  workflows = await loadWorkflows();
});

describe("workflows use the repository's actions as they are declared", () => {
  test('every uses: ./actions/x exists, gets only its inputs, and gives the outputs read', () => {
    expect(workflows.length).toBe(8);
    const local = workflows
      .flatMap((w) => w.jobs.flatMap((j) => j.steps))
      .filter((s) => String(s.uses).startsWith('./'));
    expect(local.length).toBeGreaterThan(10);
    expect(workflows.flatMap((w) => localActionProblems(w))).toEqual([]);
  });

  test('the check finds each kind of mistake', async () => {
    const bad = await parseWorkflowText(
      'bad.yml',
      `on: push
permissions: {}
jobs:
  a:
    runs-on: ubuntu-24.04
    permissions: {contents: read}
    outputs:
      v: \${{ steps.func.outputs.version }}
    steps:
      - uses: ./actions/no-such-action
      - id: func
        uses: ./actions/build-func
        with:
          bundle: true
          bundel: typo
      - uses: ./actions/build-image
      - run: echo "\${{ steps.func.outputs.wasm-path }} \${{ steps.nope.outputs.x }}"
  b:
    needs: a
    runs-on: ubuntu-24.04
    permissions: {contents: read}
    steps:
      - run: echo "\${{ needs.a.outputs.v }} \${{ needs.a.outputs.missing }} \${{ needs.c.outputs.x }}"
`,
    );
    expect(localActionProblems(bad)).toEqual([
      'bad.yml job a step 1: ./actions/no-such-action has no action.yml',
      "bad.yml job a: ./actions/build-func has no input 'bundel'",
      "bad.yml job a: ./actions/build-image needs input 'bundle-dir'",
      "bad.yml job a: reads steps.func.outputs.wasm-path but build-func has no output 'wasm-path'",
      "bad.yml job a: reads steps.nope.outputs.x but has no step 'nope'",
      'bad.yml job b: reads needs.a.outputs.missing but job a has no such output',
      'bad.yml job b: reads needs.c but does not need it',
    ]);
  });
});
