import { z } from 'zod';
import type { Caller, Role } from '../../core/entities';
import { CloudStackError, EntityNotFoundError, InvalidParameterError, MissingParameterError } from '../../core/errors';
import type { Store } from '../store';
import type { JobStarter, StartedJob } from './jobs';
import { refuseUnsupported } from './offering-params';
import { DEFAULT_MAX_LENGTH, type IssueKind, type UnpackedParams } from './params';

/**
 * One API command: its wire parameters (a zod object whose keys are the lower-case wire names),
 * who may call it, whether it is async, and its handler. The same declaration serves dispatch,
 * validation and `listApis`, as CloudStack's @APICommand/@Parameter annotations do.
 */

/** listApis' parameter types: CloudStack's CommandType, lower-cased. */
export type WireType = 'uuid' | 'string' | 'boolean' | 'integer' | 'long' | 'short' | 'list' | 'map' | 'date' | 'tzdate';

declare module 'zod' {
  interface GlobalMeta {
    /** listApis type; the `cs` helpers set it, plain zod types are inferred. */
    type?: WireType;
    /** max length (default 255), as @Parameter.length */
    length?: number;
    since?: string;
    /** only these roles may pass the parameter; others have it ignored, as ACS does with `authorized` */
    roles?: readonly Role[];
    /** comma-separated API names */
    related?: string;
  }
}

/** What a handler returns; response.ts turns it into the `<command>response` envelope. */
export type CommandResult =
  | { kind: 'object'; key: string; value: unknown } // {"<cmd>response":{"<key>":{...}}}
  | { kind: 'list'; key: string; items: readonly unknown[]; count: number } // count is the total over all pages
  | { kind: 'success'; displaytext?: string }
  | { kind: 'async'; jobid: string; id?: string }
  | { kind: 'raw'; body: Record<string, unknown> }; // flat, e.g. queryAsyncJobResult

/** `jobs.start...()` results may be returned as they are: they are an async submit. */
export type HandlerResult = CommandResult | StartedJob;

export interface CommandContext<P> {
  params: P;
  /** every parameter of the request, names lower-cased, maps gathered */
  raw: UnpackedParams;
  caller: Caller;
  store: Store;
  jobs: JobStarter;
  now: Date;
  /** the command's API name, as declared */
  command: string;
  /** how the request came: user data may be longer in a POST (absent: GET) */
  httpMethod?: 'GET' | 'POST';
}

type Params = z.ZodObject<z.ZodRawShape>;

export interface CommandSpec<S extends Params> {
  name: string;
  description: string;
  since?: string;
  access: readonly Role[];
  async: boolean;
  params: S;
  /** object name of the result (`virtualmachine`), for listApis and the handler's own use */
  responseKey?: string;
  /** envelope name when it is not `<name lower>response` (the legacy `restorevmresponse`) */
  responseName?: string;
  related?: readonly string[];
  /**
   * CloudStack parameters of this command that Stratus does not act on, with why: given (and not
   * empty or false), each is a 431 naming it, never silently ignored. They are not in listApis.
   */
  refused?: Readonly<Record<string, string>>;
  handle(ctx: CommandContext<z.output<S>>): Promise<HandlerResult>;
}

export interface ParamInfo {
  name: string;
  description: string;
  type: WireType;
  length: number;
  required: boolean;
  since?: string;
  related?: string;
  roles?: readonly Role[];
}

export interface Command<S extends Params = Params> extends CommandSpec<S> {
  /** the top-level response key: `<name lower>response` or `responseName` */
  envelope: string;
  /** parameters as listApis shows them to `role` */
  paramInfo(role: Role): ParamInfo[];
  /** validate the unpacked request for a caller of `role`; throws CloudStack's 431 errors */
  parse(raw: UnpackedParams, role: Role): z.output<S>;
}

export function defineCommand<S extends Params>(spec: CommandSpec<S>): Command<S> {
  const envelope = spec.responseName ?? `${spec.name.toLowerCase()}response`;
  const infos = Object.entries(spec.params.shape).map(([name, schema]) => describeParam(name, schema as z.ZodType));
  return {
    ...spec,
    envelope,
    paramInfo: (role) => infos.filter((p) => !p.roles || p.roles.includes(role)),
    parse(raw, role) {
      // As sent: a flag sent as false asks for nothing Stratus lacks.
      const given = Object.fromEntries(Object.keys(spec.refused ?? {}).map((k) => [k, raw[k] === '' || raw[k] === 'false' ? undefined : raw[k]]));
      refuseUnsupported(given, spec.refused ?? {});
      // Only the declared parameters the role may pass; ACS ignores the others.
      const input: Record<string, unknown> = {};
      for (const p of infos) {
        if (p.roles && !p.roles.includes(role)) continue;
        if (raw[p.name] !== undefined) input[p.name] = raw[p.name];
      }
      const result = spec.params.safeParse(input);
      if (!result.success) throw toCloudStackError(spec.name, result.error, input);
      return result.data;
    },
  };
}

/** Metadata of one parameter: `.meta()` at any wrapper level (outer wins), type inferred when not set. */
export function describeParam(name: string, schema: z.ZodType): ParamInfo {
  const metas: z.GlobalMeta[] = [];
  let inner: z.core.$ZodType = schema;
  for (;;) {
    const meta = z.globalRegistry.get(inner);
    if (meta) metas.push(meta);
    const def = inner._zod.def as { type: string; innerType?: z.core.$ZodType; in?: z.core.$ZodType };
    if (def.innerType) inner = def.innerType;
    else if (def.type === 'pipe' && def.in) inner = def.in;
    else break;
  }
  const meta: z.GlobalMeta = Object.assign({}, ...metas.reverse());
  return {
    name,
    description: meta.description ?? '',
    type: meta.type ?? inferType(inner._zod.def.type),
    length: meta.length ?? DEFAULT_MAX_LENGTH,
    required: !schema.safeParse(undefined).success,
    ...(meta.since ? { since: meta.since } : {}),
    ...(meta.related ? { related: meta.related } : {}),
    ...(meta.roles ? { roles: meta.roles } : {}),
  };
}

function inferType(zodType: string): WireType {
  switch (zodType) {
    case 'boolean':
      return 'boolean';
    case 'number':
    case 'int':
      return 'integer';
    case 'array':
      return 'list';
    case 'record':
    case 'object':
      return 'map';
    default:
      return 'string';
  }
}

const show = (value: unknown) => (typeof value === 'string' ? value : JSON.stringify(value));

/** The first zod issue as the error ParamProcessWorker would throw for it (it stops at the first bad field). */
export function toCloudStackError(command: string, error: z.ZodError, input: Record<string, unknown>): CloudStackError {
  const cmd = command.toLowerCase();
  const first = error.issues[0];
  const name = first?.path[0];
  if (!first || typeof name !== 'string') return new InvalidParameterError(first?.message ?? `Unable to execute API command ${cmd} due to invalid parameters`);
  const value = input[name];
  if (value === undefined) return new MissingParameterError(command, name);
  const kind = first.code === 'custom' ? (first.params as IssueKind | undefined) : undefined;
  switch (kind?.cloudstack) {
    case 'notFound':
      return new EntityNotFoundError(command, name, kind.value);
    case 'tooLong':
      return new InvalidParameterError(`Unable to execute API command ${cmd} due to invalid value. Value greater than max allowed length ${kind.max} for param: ${name}`);
    case 'invalid':
      return new InvalidParameterError(`Unable to execute API command ${cmd} due to invalid value ${kind.value} for parameter ${name}`);
    default:
      // A command's own refinement speaks for itself; a type mismatch gets ACS's generic text.
      if (first.code === 'custom' && first.message && first.message !== 'Invalid input') return new InvalidParameterError(first.message);
      return new InvalidParameterError(`Unable to execute API command ${cmd} due to invalid value ${show(value)} for parameter ${name}`);
  }
}
