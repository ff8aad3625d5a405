import { cloneElement, type ComponentChildren, type VNode } from 'preact';
import { useCallback, useEffect, useId, useRef, useState } from 'preact/hooks';
import { ApiError, type Obj } from './api';
import { changed, track, useChanges } from './jobs';

/** The pieces every page is built of: loading data, tables, paging, actions, dialogs, bars. */

export const errorText = (err: unknown): string => (err instanceof ApiError ? `${err.text} (${err.code})` : err instanceof Error ? err.message : String(err));

export interface Loaded<T> {
  data?: T;
  error?: string;
  loading: boolean;
  reload: () => void;
}

/** Data a page shows, loaded again when `deps` change or any job ends. */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[]): Loaded<T> {
  const changes = useChanges();
  const [state, setState] = useState<{ data?: T; error?: string; loading: boolean }>({ loading: true });
  const [nonce, setNonce] = useState(0);
  useEffect(() => {
    let live = true;
    setState((s) => ({ ...s, loading: true }));
    load().then(
      (data) => live && setState({ data, loading: false }),
      (err) => live && setState({ error: errorText(err), loading: false }),
    );
    return () => {
      live = false;
    };
  }, [...deps, changes, nonce]);
  return { ...state, reload: useCallback(() => setNonce((n) => n + 1), []) };
}

/**
 * An action's run: the command's answer; an async one's job is tracked in the tray (and the
 * action's promise waits for it). Errors are shown where the action is.
 */
export function useAction(): { run: (label: string, act: () => Promise<Obj>) => Promise<Obj | undefined>; busy: boolean; error?: string; clear: () => void } {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const run = async (label: string, act: () => Promise<Obj>) => {
    setBusy(true);
    setError(undefined);
    try {
      const answer = await act();
      if (answer.jobid) {
        const job = await track(label, answer);
        if (job.jobstatus === 2) setError(`${label} failed: ${String(job.jobresult?.errortext ?? '')}`);
        return job.jobresult ?? answer;
      }
      changed();
      return answer;
    } catch (err) {
      setError(errorText(err));
      return undefined;
    } finally {
      setBusy(false);
    }
  };
  return { run, busy, error, clear: () => setError(undefined) };
}

export function ErrorNote({ text }: { text?: string }) {
  return text ? (
    <p class="error" role="alert">
      {text}
    </p>
  ) : null;
}

export interface Column<T> {
  title: string;
  cell: (row: T) => ComponentChildren;
  /** Hidden on narrow screens. */
  wide?: boolean;
}

export function Table<T extends Obj>({ columns, rows, empty, label }: { columns: Column<T>[]; rows: T[]; empty: string; label: string }) {
  return (
    <div class="table-wrap">
      <table aria-label={label}>
        <thead>
          <tr>
            {columns.map((c) => (
              <th key={c.title} scope="col" class={c.wide ? 'wide' : undefined}>
                {c.title}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((r, i) => (
            <tr key={String(r.id ?? i)} data-id={r.id}>
              {columns.map((c) => (
                <td key={c.title} class={c.wide ? 'wide' : undefined} data-label={c.title}>
                  {c.cell(r)}
                </td>
              ))}
            </tr>
          ))}
          {rows.length === 0 && (
            <tr>
              <td colSpan={columns.length} class="muted">
                {empty}
              </td>
            </tr>
          )}
        </tbody>
      </table>
    </div>
  );
}

/** Paging through the API's own `page` and `pagesize`, by the `count` it answers. */
export function Pager({ page, pagesize, count, onPage }: { page: number; pagesize: number; count: number; onPage: (page: number) => void }) {
  const pages = Math.max(1, Math.ceil(count / pagesize));
  return (
    <nav class="pager" aria-label="Pages">
      <button type="button" disabled={page <= 1} onClick={() => onPage(page - 1)}>
        ‹ Previous
      </button>
      <span>
        Page {page} of {pages} · {count} in all
      </span>
      <button type="button" disabled={page >= pages} onClick={() => onPage(page + 1)}>
        Next ›
      </button>
    </nav>
  );
}

/** A list's search box (the command's `keyword`), with any other filters beside it. */
export function SearchForm({ keyword, label, placeholder = 'Search', onSearch, children }: { keyword: string; label: string; placeholder?: string; onSearch: (keyword: string) => void; children?: ComponentChildren }) {
  const [text, setText] = useState(keyword);
  return (
    <form
      class="filters"
      role="search"
      onSubmit={(e) => {
        e.preventDefault();
        onSearch(text);
      }}
    >
      <input type="search" name="keyword" placeholder={placeholder} aria-label={label} value={text} onInput={(e) => setText((e.target as HTMLInputElement).value)} />
      {children}
      <button type="submit">Search</button>
    </form>
  );
}

export function StateBadge({ state }: { state?: string }) {
  return <span class={`badge state-${String(state ?? 'unknown').toLowerCase()}`}>{state ?? '—'}</span>;
}

/** A used/total bar (host and zone capacity). */
export function CapacityBar({ label, used, total, unit }: { label: string; used: number; total: number; unit: (n: number) => string }) {
  const pct = total > 0 ? Math.min(100, Math.round((used / total) * 100)) : 0;
  return (
    <div class="capacity" title={`${label}: ${unit(used)} of ${unit(total)}`}>
      <span class="capacity-label">
        {label} {pct}%
      </span>
      <span class="bar" role="meter" aria-label={label} aria-valuemin={0} aria-valuemax={100} aria-valuenow={pct}>
        <span class={pct >= 90 ? 'fill high' : 'fill'} style={{ width: `${pct}%` }} />
      </span>
    </div>
  );
}

export const mib = (n: number): string => (n >= 1024 ? `${(n / 1024).toFixed(n % 1024 ? 1 : 0)} GiB` : `${n} MiB`);
export const bytes = (n: number): string => {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return `${n.toFixed(n >= 10 || i === 0 ? 0 : 1)} ${units[i]}`;
};
export const mhz = (n: number): string => (n >= 1000 ? `${(n / 1000).toFixed(1)} GHz` : `${n} MHz`);

/** A modal dialog on the browser's own <dialog> (focus trap, Escape to close). */
export function Dialog({ title, open, onClose, children }: { title: string; open: boolean; onClose: () => void; children: ComponentChildren }) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (open && !d.open) d.showModal();
    if (!open && d.open) d.close();
  }, [open]);
  return (
    <dialog ref={ref} onClose={onClose} aria-label={title}>
      <h2>{title}</h2>
      {open && children}
    </dialog>
  );
}

/** A labelled control: the label names it alone (a screen reader hears "Zone", not the options too), the hint describes it. */
export function Field({ label, children, hint }: { label: string; children: VNode; hint?: string }) {
  const id = useId();
  return (
    <div class="field">
      <label class="field-label" for={id}>
        {label}
      </label>
      {cloneElement(children, { id, ...(hint ? { 'aria-describedby': `${id}-hint` } : {}) })}
      {hint && (
        <span class="hint" id={`${id}-hint`}>
          {hint}
        </span>
      )}
    </div>
  );
}

/** A select of a list's items, by id. */
export function Choose({ items, value, onChange, label, none, ...attrs }: { items: Obj[]; value: string; onChange: (v: string) => void; label: (o: Obj) => string; none?: string; name: string; id?: string; 'aria-label'?: string }) {
  return (
    <select {...attrs} value={value} onChange={(e) => onChange((e.target as HTMLSelectElement).value)}>
      {none !== undefined && <option value="">{none}</option>}
      {items.map((o) => (
        <option key={o.id} value={o.id}>
          {label(o)}
        </option>
      ))}
    </select>
  );
}

/** A dialog form's Cancel and submit buttons. */
export function DialogButtons({ submit, onCancel, disabled, danger }: { submit: string; onCancel: () => void; disabled?: boolean; danger?: boolean }) {
  return (
    <div class="dialog-buttons">
      <button type="button" onClick={onCancel}>
        Cancel
      </button>
      <button type="submit" class={danger ? 'danger' : 'primary'} disabled={disabled}>
        {submit}
      </button>
    </div>
  );
}

/** Pick one item of a list (by id, or by name for key pairs), read when the form opens. */
export function PickForm({ what, load, byName, onSubmit, onCancel }: { what: string; load: () => Promise<{ items: Obj[] }>; byName?: boolean; onSubmit: (value: string) => void; onCancel: () => void }) {
  const items = useLoad(load, []);
  const [value, setValue] = useState('');
  const options = (items.data?.items ?? []).map((o) => ({ ...o, id: byName ? o.name : o.id }));
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        if (value) onSubmit(value);
      }}
    >
      <Loading loaded={items} />
      <Field label={what}>
        <Choose name={what} items={options} value={value} onChange={setValue} none={`Choose a ${what}`} label={(o) => o.displaytext && !byName ? `${o.name} — ${o.displaytext}` : o.name} />
      </Field>
      <DialogButtons submit="Apply" onCancel={onCancel} disabled={!value} />
    </form>
  );
}

export function Loading({ loaded }: { loaded: Loaded<unknown> }) {
  if (loaded.error) return <ErrorNote text={loaded.error} />;
  if (loaded.loading && loaded.data === undefined) return <p class="muted">Loading…</p>;
  return null;
}

export const when = (s?: string): string => (s ? new Date(s).toLocaleString() : '—');

/** One input of a FormDialog. Select options may depend on the values chosen so far. */
export interface FieldSpec {
  name: string;
  label: string;
  type?: 'text' | 'number' | 'checkbox' | 'select' | 'textarea' | 'url';
  options?: Array<{ value: string; label: string }>;
  required?: boolean;
  hint?: string;
  initial?: string;
  /** Shown only when this holds for the values so far. */
  when?: (values: Record<string, string>) => boolean;
}

/**
 * A button that opens a dialog with a form of `fields`; `onSubmit` gets the values (checkboxes as
 * 'true'/'false', empty ones left out) and the dialog closes when it resolves to something truthy.
 */
export function FormDialog({ button, title, fields, submit, onSubmit, primary, disabled, error }: { button: string; title: string; fields: FieldSpec[] | ((values: Record<string, string>) => FieldSpec[]); submit: string; onSubmit: (values: Record<string, string>) => Promise<unknown>; primary?: boolean; disabled?: boolean; error?: string }) {
  const [open, setOpen] = useState(false);
  const [values, setValues] = useState<Record<string, string>>({});
  const [submitted, setSubmitted] = useState(false);
  const [pending, setPending] = useState(false);
  const list = (typeof fields === 'function' ? fields(values) : fields).filter((f) => !f.when || f.when(values));
  const start = () => {
    setValues(Object.fromEntries((typeof fields === 'function' ? fields({}) : fields).filter((f) => f.initial !== undefined).map((f) => [f.name, f.initial!])));
    setSubmitted(false);
    setOpen(true);
  };
  const set = (name: string, value: string) => setValues((v) => ({ ...v, [name]: value }));
  return (
    <>
      <button type="button" class={primary ? 'primary' : undefined} disabled={disabled} onClick={start}>
        {button}
      </button>
      <Dialog title={title} open={open} onClose={() => setOpen(false)}>
        <form
          onSubmit={async (e) => {
            e.preventDefault();
            const given = Object.fromEntries(Object.entries(values).filter(([k, v]) => v !== '' && list.some((f) => f.name === k)));
            if (pending) return; // one submission at a time: a second click must not make a second one
            setSubmitted(true);
            setPending(true);
            try {
              if (await onSubmit(given)) setOpen(false);
            } finally {
              setPending(false);
            }
          }}
        >
          {list.map((f) =>
            f.type === 'checkbox' ? (
              <label key={f.name} class="check">
                <input type="checkbox" name={f.name} checked={values[f.name] === 'true'} onChange={(e) => set(f.name, String((e.target as HTMLInputElement).checked))} /> {f.label}
              </label>
            ) : (
              <Field key={f.name} label={f.label} hint={f.hint}>
                {f.type === 'select' ? (
                  <select name={f.name} required={f.required} value={values[f.name] ?? ''} onChange={(e) => set(f.name, (e.target as HTMLSelectElement).value)}>
                    <option value="">Choose…</option>
                    {(f.options ?? []).map((o) => (
                      <option key={o.value} value={o.value}>
                        {o.label}
                      </option>
                    ))}
                  </select>
                ) : f.type === 'textarea' ? (
                  <textarea name={f.name} required={f.required} rows={4} value={values[f.name] ?? ''} onInput={(e) => set(f.name, (e.target as HTMLTextAreaElement).value)} />
                ) : (
                  <input name={f.name} type={(f.type ?? 'text') as 'text'} required={f.required} value={values[f.name] ?? ''} onInput={(e) => set(f.name, (e.target as HTMLInputElement).value)} />
                )}
              </Field>
            ),
          )}
          {submitted && <ErrorNote text={error} />}
          <div class="dialog-buttons">
            <button type="button" onClick={() => setOpen(false)}>
              Cancel
            </button>
            <button type="submit" class="primary" disabled={pending}>
              {pending ? `${submit}…` : submit}
            </button>
          </div>
        </form>
      </Dialog>
    </>
  );
}

/** Items of a list as select options. */
export const optionsOf = (items: Obj[] | undefined, label: (o: Obj) => string = (o) => o.name, value: (o: Obj) => string = (o) => o.id): Array<{ value: string; label: string }> =>
  (items ?? []).map((o) => ({ value: value(o), label: label(o) }));
