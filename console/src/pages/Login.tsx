import { useState } from 'preact/hooks';
import { login, type Session } from '../api';
import { ErrorNote, errorText, Field } from '../ui';

/** CloudStack's login: username, password and domain (a path such as `/` or `/acme/`). */
export function Login({ onLogin }: { onLogin: (s: Session) => void }) {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [domain, setDomain] = useState('/');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      onLogin(await login(username, password, domain));
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <main class="login">
      <form class="card" onSubmit={submit} aria-label="Log in">
        <h1 class="brand">Stratus</h1>
        <p class="muted">Log in with your CloudStack account.</p>
        <Field label="Username">
          <input name="username" autoComplete="username" required autoFocus value={username} onInput={(e) => setUsername((e.target as HTMLInputElement).value)} />
        </Field>
        <Field label="Password">
          <input name="password" type="password" autoComplete="current-password" required value={password} onInput={(e) => setPassword((e.target as HTMLInputElement).value)} />
        </Field>
        <Field label="Domain" hint="/ for ROOT, or a path such as /acme/">
          <input name="domain" value={domain} onInput={(e) => setDomain((e.target as HTMLInputElement).value)} />
        </Field>
        <ErrorNote text={error} />
        <button type="submit" class="primary" disabled={busy}>
          {busy ? 'Logging in…' : 'Log in'}
        </button>
      </form>
    </main>
  );
}
