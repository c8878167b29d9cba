import { useEffect, useState } from 'preact/hooks';
import { ApiProblem, credential, whenUnauthorized } from './api';
import { CALLBACK_PATH, completeSignIn } from './oidc';
import { Link, navigate, useLocation } from './router';
import { can, fetchSession, PAGES, type Session } from './session';
import { Login } from './pages/login';
import { CustomerPage, CustomerSearch } from './pages/customer';
import { WorklistPage } from './pages/worklist';
import { ClaimPage } from './pages/claim';
import { AuditPage } from './pages/audit';
import { AnalyticsPage } from './pages/analytics';
import { LivePage } from './pages/live';

export function App() {
  const [session, setSession] = useState<Session | null>(null);
  const returning = location.pathname === CALLBACK_PATH;
  const [checking, setChecking] = useState(returning || credential.get() !== null);
  const [signInError, setSignInError] = useState<string | null>(null);
  const signOut = (): void => {
    credential.clear();
    setSession(null);
  };
  useEffect(() => whenUnauthorized(signOut), []);
  useEffect(() => {
    if (returning) {
      // Back from the identity provider: the code becomes a token, the callback URL (which
      // holds the code) leaves the history.
      completeSignIn(new URLSearchParams(location.search))
        .then(async ({ token, returnTo }) => {
          credential.set(token);
          const signedIn = await fetchSession();
          navigate(returnTo, true);
          setSession(signedIn);
        })
        .catch((error: unknown) => {
          credential.clear();
          navigate('/', true);
          setSignInError(
            error instanceof ApiProblem && error.status === 401
              ? 'The API does not accept the token the identity provider issued.'
              : String((error as Error).message),
          );
        })
        .finally(() => setChecking(false));
      return;
    }
    if (!credential.get()) return;
    fetchSession()
      .then(setSession, signOut)
      .finally(() => setChecking(false));
  }, []);
  if (checking) return <p role="status">Checking your sign-in…</p>;
  if (!session) return <Login onSignedIn={setSession} error={signInError} />;
  return <Shell session={session} signOut={signOut} />;
}

function Shell(props: { session: Session; signOut: () => void }) {
  const { session } = props;
  const { path } = useLocation();
  const pages = PAGES.filter((page) => can(session, ...page.roles));
  useEffect(() => {
    if (path === '/' && pages[0]) navigate(pages[0].path, true);
  }, [path]);
  useEffect(() => {
    const main = document.getElementById('main');
    if (main) main.focus({ preventScroll: true });
  }, [path]);
  return (
    <>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="top">
        <strong class="brand">Aftercare</strong>
        <nav aria-label="Console">
          {pages.map((page) => (
            <Link key={page.path} to={page.path} class={path.startsWith(page.path) ? 'active' : ''}>
              {page.label}
            </Link>
          ))}
        </nav>
        <span class="who">
          {session.name} ({session.roles.join(', ')})
          <button type="button" onClick={props.signOut}>
            Sign out
          </button>
        </span>
      </header>
      <main id="main" tabIndex={-1}>
        <Route path={path} session={session} />
      </main>
    </>
  );
}

function Route(props: { path: string; session: Session }) {
  const { path, session } = props;
  const [, section, id] = path.split('/').map(decodeURIComponent);
  switch (section) {
    case 'customers':
      return id ? <CustomerPage id={id} session={session} /> : <CustomerSearch />;
    case 'worklist':
      return <WorklistPage session={session} />;
    case 'claims':
      return id ? <ClaimPage id={id} /> : <AuditPage />;
    case 'audit':
      return <AuditPage />;
    case 'analytics':
      return <AnalyticsPage />;
    case 'live':
      return <LivePage />;
    case '':
    case undefined:
      return <p>Choose a page above.</p>;
    default:
      return <p role="alert">No page at /console{path}.</p>;
  }
}
