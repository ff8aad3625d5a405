import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { DriverError } from './driver';

/**
 * One long-lived `virsh -c <uri>` child in interactive mode, driven over stdin/stdout: one libvirt
 * connection for the agent's lifetime (the test:/// driver keeps its state per connection, and a
 * real host is spared a connection per call). Commands run one at a time through a queue.
 *
 * Framing: virsh's interactive shell gives no exit status and echoes each input line (readline), so
 * every command is wrapped in `echo` markers carrying a random tag, written to both streams:
 *   echo --err '@@B<tag>''@@'   echo '@@B<tag>''@@'   <command>   echo --err '@@E<tag>''@@'   echo '@@E<tag>''@@'
 * The quotes make the printed marker (`@@B<tag>@@`) differ from the echoed input line, so only
 * virsh's output can close a frame. Between the markers, stderr lines starting with `error:` mean
 * the command failed; stdout is the command's output once the echoed lines are cut off.
 */

/** What the libvirt driver needs from a virsh connection; a fake stands in for it in unit tests. */
export interface VirshRunner {
  /** Run one virsh command; resolve with its output, or throw VirshCommandError / DriverError. */
  run(args: readonly string[], signal?: AbortSignal): Promise<string>;
}

/** A virsh command that ran and reported errors (its `error:` lines, without the prefix). */
export class VirshCommandError extends Error {
  constructor(
    readonly command: string,
    readonly errors: string[],
  ) {
    super(errors.join('; ') || `virsh ${command} failed`);
    this.name = 'VirshCommandError';
  }
}

export interface VirshSessionOptions {
  uri: string;
  virshPath?: string; // default `virsh` on PATH
  /** A command that takes longer kills the child (a stuck libvirtd); default 10 minutes. */
  commandTimeoutMs?: number;
}

/** Characters virsh's shell takes literally outside quotes. */
const PLAIN_ARG = /^[A-Za-z0-9_.,:/@%+=-]+$/;

/** One argument as virsh's interactive parser reads it; refuses what it cannot quote safely. */
export function quoteVirshArg(arg: string): string {
  if (PLAIN_ARG.test(arg)) return arg;
  // Inside single quotes virsh takes everything literally up to the next quote.
  if (/['\\\x00-\x1f\x7f]/.test(arg) || arg === '') throw new Error(`Cannot pass ${JSON.stringify(arg)} to virsh`);
  return `'${arg}'`;
}

interface Frame {
  tag: string;
  command: string;
  sawBegin: boolean;
  resolve: (output: string) => void;
  reject: (err: Error) => void;
}

const PROMPT = /^virsh [#$>] $/; // `#` as root, `$` otherwise, `>` read-only

export class VirshSession implements VirshRunner {
  private child?: ChildProcessWithoutNullStreams;
  private frame?: Frame;
  private stdout = '';
  private stderr = '';
  private queue: Promise<unknown> = Promise.resolve();
  private started = 0;
  private closed = false;

  constructor(private readonly options: VirshSessionOptions) {}

  /** The process id of the current virsh child, if one runs. */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** How many virsh children this session has started (1 unless one died or timed out). */
  get starts(): number {
    return this.started;
  }

  run(args: readonly string[], signal?: AbortSignal): Promise<string> {
    if (this.closed) return Promise.reject(new DriverError('ResourceUnavailableError', 'The libvirt connection is closed', false));
    const line = args.map(quoteVirshArg).join(' ');
    const next = this.queue.then(() => {
      signal?.throwIfAborted();
      return this.execute(line, true);
    });
    this.queue = next.catch(() => undefined);
    return next;
  }

  /** End the child (EOF on stdin makes virsh quit) once queued commands are done. */
  async close(): Promise<void> {
    this.closed = true;
    await this.queue;
    const child = this.child;
    if (!child) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.stdin.end();
    const timer = setTimeout(() => child.kill('SIGKILL'), 2_000);
    await exited;
    clearTimeout(timer);
  }

  private async execute(line: string, mayRetry: boolean): Promise<string> {
    const child = this.child ?? this.spawnChild();
    const tag = `${randomBytes(8).toString('hex')}${this.started}`;
    const timeoutMs = this.options.commandTimeoutMs ?? 600_000;
    let frame!: Frame;
    const done = new Promise<string>((resolve, reject) => {
      frame = { tag, command: line.split(' ')[0], sawBegin: false, resolve, reject };
    });
    this.frame = frame;
    const timer = setTimeout(() => {
      frame.reject(new DriverError('ResourceUnavailableError', `virsh ${frame.command} did not answer within ${timeoutMs} ms`, true));
      child.kill('SIGKILL');
    }, timeoutMs);
    child.stdin.write(
      `echo --err '@@B${tag}''@@'\necho '@@B${tag}''@@'\n${line}\necho --err '@@E${tag}''@@'\necho '@@E${tag}''@@'\n`,
    );
    try {
      return await done;
    } catch (err) {
      // The child died before it even echoed the begin marker (killed, or it could not connect),
      // so the command never ran: once more on a fresh child is safe.
      if (mayRetry && err instanceof ChildExited && !err.sawBegin && !this.closed) return this.execute(line, false);
      if (err instanceof ChildExited) throw new DriverError('ResourceUnavailableError', err.message, true);
      throw err;
    } finally {
      clearTimeout(timer);
      if (this.frame === frame) this.frame = undefined;
    }
  }

  private spawnChild(): ChildProcessWithoutNullStreams {
    // C locale: error texts are classified by their words. A huge COLUMNS keeps readline from
    // scrolling long input lines, so each echoed line stays one line.
    const child = spawn(this.options.virshPath ?? 'virsh', ['-q', '-c', this.options.uri], {
      env: { ...process.env, LC_ALL: 'C', LANG: 'C', COLUMNS: '1000000', TERM: 'dumb' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.started += 1;
    this.child = child;
    this.stdout = '';
    this.stderr = '';
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      this.stdout += chunk;
      this.settle();
    });
    child.stderr.on('data', (chunk: string) => {
      this.stderr += chunk;
      this.settle();
    });
    child.stdin.on('error', () => undefined); // EPIPE after the child died: its 'exit' reports it
    const gone = (reason: string) => {
      if (this.child !== child) return;
      this.child = undefined;
      const frame = this.frame;
      this.frame = undefined;
      const said = errorLines(this.stderr).join('; ');
      frame?.reject(new ChildExited(`virsh (${this.options.uri}) ${reason}${said ? `: ${said}` : ''}`, frame.sawBegin));
    };
    child.on('error', (err) => gone(`could not run: ${err.message}`));
    child.on('exit', (code, signal) => gone(`exited (${signal ?? `code ${code}`})`));
    return child;
  }

  /** Close the current frame once both streams carry its end marker. */
  private settle(): void {
    const frame = this.frame;
    if (!frame) return;
    const begin = `@@B${frame.tag}@@`;
    const end = `@@E${frame.tag}@@`;
    if (!frame.sawBegin && (this.stdout.includes(begin) || this.stderr.includes(`error: ${begin}`))) frame.sawBegin = true;
    const outEnd = this.stdout.indexOf(end);
    const errEnd = this.stderr.indexOf(`error: ${end}\n`);
    if (outEnd < 0 || errEnd < 0) return;
    const out = this.stdout.slice(0, outEnd);
    const err = this.stderr.slice(0, errEnd);
    this.stdout = this.stdout.slice(outEnd + end.length);
    this.stderr = this.stderr.slice(errEnd + `error: ${end}\n`.length);
    this.frame = undefined;
    try {
      const output = commandOutput(out, begin, frame.tag);
      const errStart = err.indexOf(`error: ${begin}\n`);
      const errors = errorLines(errStart < 0 ? err : err.slice(errStart + `error: ${begin}\n`.length));
      if (errors.length > 0) frame.reject(new VirshCommandError(frame.command, errors));
      else frame.resolve(output);
    } catch (e) {
      frame.reject(e as Error);
      this.child?.kill('SIGKILL'); // out of step with the child: start afresh
    }
  }
}

class ChildExited extends Error {
  constructor(
    message: string,
    readonly sawBegin: boolean,
  ) {
    super(message);
    this.name = 'ChildExited';
  }
}

function errorLines(text: string): string[] {
  return text
    .split('\n')
    .filter((l) => l.startsWith('error: '))
    .map((l) => l.slice('error: '.length).trim());
}

/**
 * The command's stdout from a frame: after the begin marker comes `<prompt><echoed command>\n`,
 * then the output, then `<prompt>echo --err '@@E<tag>''@@'\n<prompt>echo '@@E<tag>''@@'\n`.
 */
function commandOutput(framed: string, begin: string, tag: string): string {
  const start = framed.indexOf(begin);
  const afterEcho = start < 0 ? -1 : framed.indexOf('\n', start + begin.length);
  const closing = framed.indexOf(`echo --err '@@E${tag}''@@'`, afterEcho);
  if (afterEcho < 0 || closing < 8 || !PROMPT.test(framed.slice(closing - 8, closing))) {
    throw new DriverError('ResourceUnavailableError', 'Unexpected output from virsh; restarting it', true);
  }
  return framed.slice(afterEcho + 1, closing - 8);
}
