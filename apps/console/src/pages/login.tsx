import { useEffect, useState } from 'preact/hooks';
import { ApiProblem, credential } from '../api';
import { fetchSignInOptions, type OidcClient, startSignIn } from '../oidc';
import { fetchSession, type Session } from '../session';

/**
 * Sign-in with an API key (`npm start` prints the first admin key), at the organisation's
 * identity provider when the API configures it (../oidc.ts), or with a pasted OIDC access token:
 * each goes to the API as a Bearer credential, which decides the roles. The credential lives in
 * sessionStorage, so it is gone when the tab closes.
 */
export function Login(props: { onSignedIn: (session: Session) => void; error?: string | null }) {
  const [value, setValue] = useState('');
  const [error, setError] = useState<string | null>(props.error ?? null);
  const [busy, setBusy] = useState(false);
  const [provider, setProvider] = useState<OidcClient | null>(null);
  useEffect(() => {
    fetchSignInOptions().then(setProvider, () => setProvider(null));
  }, []);
  const signInAtProvider = (): void => {
    if (!provider) return;
    setBusy(true);
    setError(null);
    startSignIn(provider, location.pathname + location.search).catch((e: unknown) => {
      setBusy(false);
      setError(String((e as Error).message));
    });
  };
  const submit = async (event: Event): Promise<void> => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    credential.set(value.trim());
    try {
      props.onSignedIn(await fetchSession());
    } catch (e) {
      credential.clear();
      setError(
        e instanceof ApiProblem && e.status === 401
          ? 'The API does not accept this credential.'
          : String((e as Error).message),
      );
    } finally {
      setBusy(false);
    }
  };
  return (
    <main class="login">
      <h1>Aftercare console</h1>
      {provider && (
        <section class="provider" aria-label="Sign in at your identity provider">
          <button type="button" disabled={busy} onClick={signInAtProvider}>
            Sign in with {new URL(provider.issuer).host}
          </button>
          <p class="muted">Or with an API key:</p>
        </section>
      )}
      <form onSubmit={submit}>
        <label for="credential">API key or OIDC access token</label>
        <input
          id="credential"
          type="password"
          autocomplete="off"
          required
          value={value}
          aria-describedby="credential-help"
          aria-invalid={error ? 'true' : undefined}
          onInput={(e) => setValue((e.target as HTMLInputElement).value)}
        />
        <p id="credential-help" class="muted">
          The admin key `npm start` printed (also in data/admin.key), a key from `aftercare keys
          create`, or a token from your identity provider. Kept for this tab only.
        </p>
        {error && (
          <p class="problem" role="alert">
            {error}
          </p>
        )}
        <button type="submit" disabled={busy}>
          Sign in
        </button>
      </form>
    </main>
  );
}
