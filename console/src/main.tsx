import './styles.css';
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { currentSession, isRootAdmin, logout, onSessionExpired, type Session } from './api';
import { clearJobs, JobTray } from './jobs';
import { Deploy } from './pages/Deploy';
import { Hosts } from './pages/Hosts';
import { Instance } from './pages/Instance';
import { Instances } from './pages/Instances';
import { KeyPairs } from './pages/KeyPairs';
import { LISTS, ListPage } from './pages/Lists';
import { Login } from './pages/Login';
import { Settings } from './pages/Settings';
import { Unmanaged } from './pages/Unmanaged';
import { href, match, navigate, useRoute, type Route } from './router';

const USER_NAV: Array<[string, string]> = [
  ['/instances', 'Instances'],
  ['/volumes', 'Volumes'],
  ['/snapshots', 'VM snapshots'],
  ['/keypairs', 'SSH key pairs'],
  ['/affinitygroups', 'Affinity groups'],
  ['/events', 'Events'],
];
const ADMIN_NAV: Array<[string, string]> = [
  ['/zones', 'Zones'],
  ['/pods', 'Pods'],
  ['/clusters', 'Clusters'],
  ['/hosts', 'Hosts'],
  ['/storagepools', 'Primary storage'],
  ['/offerings', 'Service offerings'],
  ['/diskofferings', 'Disk offerings'],
  ['/templates', 'Templates'],
  ['/isos', 'ISOs'],
  ['/unmanaged', 'Unmanaged instances'],
  ['/settings', 'Settings'],
  ['/alerts', 'Alerts'],
  ['/capacity', 'Capacity'],
];

function Page({ route }: { route: Route }) {
  if (route.path === '/') return null; // on its way to the instances
  const vm = match('/instances/:id', route.path);
  if (vm) return <Instance id={vm.id!} route={route} />;
  const name = route.path.slice(1);
  if (name === 'instances') return <Instances route={route} />;
  if (name === 'deploy') return <Deploy />;
  if (name === 'keypairs') return <KeyPairs />;
  if (name === 'hosts' && isRootAdmin()) return <Hosts route={route} />;
  if (name === 'settings' && isRootAdmin()) return <Settings route={route} />;
  if (name === 'unmanaged' && isRootAdmin()) return <Unmanaged route={route} />;
  const spec = LISTS[name];
  if (spec && (USER_NAV.some(([p]) => p === route.path) || isRootAdmin())) return <ListPage key={name} name={name} spec={spec} route={route} />;
  return (
    <section>
      <h1>Not found</h1>
      <p>
        Nothing is at {route.path}. <a href={href('/instances')}>Go to instances</a>.
      </p>
    </section>
  );
}

function Shell({ session, onLogout }: { session: Session; onLogout: () => void }) {
  const route = useRoute();
  const [menuOpen, setMenuOpen] = useState(false);
  useEffect(() => {
    if (route.path === '/') navigate('/instances');
    setMenuOpen(false);
  }, [route.path]);
  const link = ([path, title]: [string, string]) => (
    <li key={path}>
      <a href={href(path)} aria-current={route.path === path || route.path.startsWith(`${path}/`) ? 'page' : undefined}>
        {title}
      </a>
    </li>
  );
  return (
    <div class="shell">
      {/* Not a hash link: the router owns the hash. */}
      <a
        class="skip"
        href="#main"
        onClick={(e) => {
          e.preventDefault();
          document.getElementById('main')?.focus();
        }}
      >
        Skip to content
      </a>
      <header class="top">
        <button type="button" class="menu-toggle" aria-expanded={menuOpen} aria-controls="nav" onClick={() => setMenuOpen(!menuOpen)}>
          Menu
        </button>
        <a class="brand" href={href('/instances')}>
          Stratus
        </a>
        <span class="who">
          <span class="user" title={`account ${session.account}`}>
            {session.username}
          </span>
          <button type="button" onClick={onLogout}>
            Log out
          </button>
        </span>
      </header>
      <nav id="nav" class={menuOpen ? 'side open' : 'side'} aria-label="Main">
        <ul>{USER_NAV.map(link)}</ul>
        {isRootAdmin() && (
          <>
            <h2>Infrastructure</h2>
            <ul>{ADMIN_NAV.map(link)}</ul>
          </>
        )}
      </nav>
      <main id="main" tabIndex={-1}>
        <Page route={route} />
      </main>
      <JobTray />
    </div>
  );
}

function App() {
  const [session, setSession] = useState(currentSession());
  useEffect(
    () =>
      onSessionExpired(() => {
        clearJobs();
        setSession(undefined);
      }),
    [],
  );
  if (!session) return <Login onLogin={setSession} />;
  return (
    <Shell
      session={session}
      onLogout={() => {
        void logout().finally(() => {
          clearJobs();
          setSession(undefined);
          location.hash = '';
        });
      }}
    />
  );
}

render(<App />, document.getElementById('app')!);
