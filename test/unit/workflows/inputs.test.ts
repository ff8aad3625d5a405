import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { WORKFLOW_INPUTS } from '../../../core/workflows';

/**
 * The contract between each workflow and its input (core/workflows.ts): along every path through the
 * state machine, every `$.path` a state reads is present, either declared required by the input's
 * schema, written by a state that ran before on that path (its ResultPath, or a Catch's), or proven
 * by a Choice (`IsPresent`). A read that some path reaches without it is the States.Runtime that no
 * Catch handles and that leaves the job pending (the deploy with startvm=false did that).
 */
const DIR = path.resolve(__dirname, '../../../workflows');
const files = readdirSync(DIR).filter((f) => f.endsWith('.asl.json')).sort();

type State = Record<string, any>;

/** Every required path of a schema (`placement`, `destination`, `destination.hostId` if required, ...). */
function requiredPaths(schema: z.ZodType, prefix = '$'): string[] {
  const def = (schema as unknown as { def: { type: string; shape?: Record<string, z.ZodType>; in?: z.ZodType } }).def;
  if (def.type === 'pipe' && def.in) return requiredPaths(def.in, prefix);
  if (def.type !== 'object' || !def.shape) return [];
  return Object.entries(def.shape).flatMap(([key, field]) => {
    if (field.safeParse(undefined).success) return []; // optional
    return [`${prefix}.${key}`, ...requiredPaths(field, `${prefix}.${key}`)];
  });
}

/** The `$.a.b` paths a state reads from its input (Parameters, Choice variables, ItemsPath). */
function reads(state: State): string[] {
  const out: string[] = [];
  const walk = (v: unknown, key = '') => {
    if (typeof v === 'string' && key.endsWith('.$') && v.startsWith('$.')) out.push(v);
    else if (Array.isArray(v)) v.forEach((x) => walk(x));
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, k);
  };
  walk(state.Parameters);
  // A Choice's IsPresent test is how a path is checked, not read.
  for (const c of state.Choices ?? []) if (typeof c.Variable === 'string' && c.IsPresent === undefined) out.push(c.Variable);
  if (typeof state.ItemsPath === 'string') out.push(state.ItemsPath);
  return out;
}

/**
 * What is present: exact paths (the schema's required fields, and what a Choice proved), and opaque
 * results (`$.placement.*`: a state's ResultPath holds whatever the step returned, fields included).
 */
const opaque = (p: string) => `${p}.*`;
const baseOf = (q: string) => (q.endsWith('.*') ? q.slice(0, -2) : q);

/** `p` is there if it is, if an opaque result holds it, or if something below it is (so its parent object). */
const covers = (present: Set<string>, p: string) =>
  [...present].some((q) => (q.endsWith('.*') ? p === baseOf(q) || p.startsWith(`${baseOf(q)}.`) : p === q) || baseOf(q).startsWith(`${p}.`));

/** What of a path present on one path to a state the other path has too (`$.failure` of two Catches). */
function commonPart(present: Set<string>, p: string): string[] {
  if (p.endsWith('.*') && [...present].some((q) => q.endsWith('.*') && (baseOf(p) === baseOf(q) || baseOf(p).startsWith(`${baseOf(q)}.`)))) return [p];
  for (let q = baseOf(p); q.includes('.'); q = q.slice(0, q.lastIndexOf('.'))) if (covers(present, q)) return [q];
  return [];
}

/** Edges out of a state, each with what it adds to the input on the way. */
function edges(state: State): Array<{ next: string; adds: string[] }> {
  const out: Array<{ next: string; adds: string[] }> = [];
  const written = typeof state.ResultPath === 'string' && state.ResultPath !== '$' ? [opaque(state.ResultPath)] : [];
  if (state.Next) out.push({ next: state.Next, adds: state.Type === 'Task' || state.Type === 'Map' || state.Type === 'Pass' ? written : [] });
  for (const c of state.Catch ?? []) out.push({ next: c.Next, adds: typeof c.ResultPath === 'string' ? [opaque(c.ResultPath)] : [] });
  // A rule proves what it tests present, alone or in an And of such tests.
  const proven = (c: State): string[] => (c.IsPresent === true && c.Variable ? [c.Variable] : Array.isArray(c.And) ? c.And.flatMap(proven) : []);
  for (const c of state.Choices ?? []) out.push({ next: c.Next, adds: proven(c) });
  if (state.Default) out.push({ next: state.Default, adds: [] });
  return out;
}

describe.each(files)('workflow %s', (file) => {
  const name = file.replace(/\.asl\.json$/, '');
  const definition = JSON.parse(readFileSync(path.join(DIR, file), 'utf8')) as { StartAt: string; States: Record<string, State> };

  it('has its input declared once in core/workflows.ts', () => {
    expect(Object.keys(WORKFLOW_INPUTS)).toContain(name);
  });

  it('reads only what every path to each state has put there', () => {
    // Prepare: what is present at a state is what every path to it agrees on (a fixpoint of intersections).
    const schema = (WORKFLOW_INPUTS as Record<string, z.ZodType>)[name];
    const start = new Set(requiredPaths(schema));
    const present = new Map<string, Set<string>>([[definition.StartAt, start]]);
    const queue = [definition.StartAt];
    // Act
    while (queue.length > 0) {
      const at = queue.shift()!;
      for (const { next, adds } of edges(definition.States[at])) {
        const arriving = new Set([...present.get(at)!, ...adds]);
        const known = present.get(next);
        const merged = known ? new Set([...known].flatMap((p) => commonPart(arriving, p))) : arriving;
        if (!known || [...merged].sort().join() !== [...known].sort().join()) {
          present.set(next, merged);
          queue.push(next);
        }
      }
    }
    const missing = Object.entries(definition.States).flatMap(([stateName, state]) =>
      reads(state)
        .filter((p) => present.has(stateName) && !covers(present.get(stateName)!, p))
        .map((p) => `${stateName} reads ${p}`),
    );
    // Assess
    expect(missing).toEqual([]);
  });
});
