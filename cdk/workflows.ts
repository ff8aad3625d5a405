import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { placeholdersIn, stepNameFor } from '../core/workflow-substitutions';

/**
 * The workflows as the ASL files define them: the file is the only definition (STYLE.md, anti-pattern 8),
 * so the stack derives every state machine and step function from what it finds here.
 */
export interface WorkflowSource {
  /** `deploy-vm` for workflows/deploy-vm.asl.json; also the key in the api's WORKFLOW_ARNS. */
  name: string;
  file: string;
  /** The ASL text as written, `${XxxFn}` placeholders included (CDK substitutes them). */
  text: string;
  /** Placeholder (`ChooseHostFn`) -> step name (`chooseHost`, functions/steps/chooseHost.ts). */
  steps: Map<string, string>;
}

const ASL_SUFFIX = '.asl.json';

export function loadWorkflows(workflowsDir: string): WorkflowSource[] {
  const files = readdirSync(workflowsDir)
    .filter((f) => f.endsWith(ASL_SUFFIX))
    .sort();
  if (files.length === 0) throw new Error(`No *${ASL_SUFFIX} file in ${workflowsDir}`);
  return files.map((f) => {
    const file = path.join(workflowsDir, f);
    const text = readFileSync(file, 'utf8');
    const steps = new Map<string, string>();
    for (const placeholder of placeholdersIn(text)) {
      const step = stepNameFor(placeholder);
      // Only step functions have a value to substitute; anything else would deploy a literal `${...}`.
      if (!step) throw new Error(`${f}: placeholder \${${placeholder}} is not a step function (expected \${XxxFn})`);
      steps.set(placeholder, step);
    }
    return { name: f.slice(0, -ASL_SUFFIX.length), file, text, steps };
  });
}
