/**
 * How a workflow names the functions it calls: `${ChooseHostFn}` in an ASL file is the step handler
 * functions/steps/chooseHost.ts. CDK substitutes Lambda ARNs, the local runtime local ARNs; both use
 * these functions so that one ASL file serves both.
 */
const PLACEHOLDER = /\$\{(\w+)\}/g;

/** The distinct `${Name}` placeholders in an ASL text. */
export function placeholdersIn(aslText: string): string[] {
  return [...new Set([...aslText.matchAll(PLACEHOLDER)].map((m) => m[1]))];
}

/** `ChooseHostFn` -> `chooseHost`; undefined for a placeholder that is not a step function. */
export function stepNameFor(placeholder: string): string | undefined {
  if (!placeholder.endsWith('Fn')) return undefined;
  const base = placeholder.slice(0, -2);
  return base.charAt(0).toLowerCase() + base.slice(1);
}

/** `chooseHost` -> `ChooseHostFn`. */
export function placeholderFor(stepName: string): string {
  return stepName.charAt(0).toUpperCase() + stepName.slice(1) + 'Fn';
}

/** Replace every placeholder; a missing value is an error, never a silent `${...}` left behind. */
export function substitute(aslText: string, values: Record<string, string>): string {
  return aslText.replace(PLACEHOLDER, (_, name: string) => {
    const v = values[name];
    if (v === undefined) throw new Error(`No value for workflow placeholder \${${name}}`);
    return v;
  });
}
