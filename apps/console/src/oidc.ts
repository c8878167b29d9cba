/**
 * Sign-in at the organisation's identity provider: OAuth 2.0 authorization code with PKCE
 * (RFC 7636) for a public client, as OAuth 2.0 for Browser-Based Apps recommends. The console
 * sends the browser to the issuer's authorization endpoint with a one-time `state` and the S256
 * challenge of a random verifier kept in sessionStorage; the issuer sends it back to
 * /console/callback with a code, which the console exchanges (with the verifier) for an access
 * token at the token endpoint. The token then goes to the API like an API key, and the API checks
 * it (issuer, audience, signature, roles). No client secret exists anywhere in the browser.
 */

export interface OidcClient {
  issuer: string;
  clientId: string;
  scopes: string;
}

interface Discovery {
  authorization_endpoint: string;
  token_endpoint: string;
}

interface Pending {
  state: string;
  verifier: string;
  tokenEndpoint: string;
  clientId: string;
  redirectUri: string;
  returnTo: string;
}

const PENDING = 'aftercare.oidc.pending';
export const CALLBACK_PATH = '/console/callback';

/** The issuer's sign-in when the API configures one (GET /console/sign-in.json), else null. */
export async function fetchSignInOptions(): Promise<OidcClient | null> {
  const response = await fetch('/console/sign-in.json', {
    headers: { accept: 'application/json' },
  });
  if (!response.ok) return null;
  const body = (await response.json()) as { oidc: OidcClient | null };
  return body.oidc;
}

function base64url(bytes: Uint8Array): string {
  let text = '';
  for (const byte of bytes) text += String.fromCharCode(byte);
  return btoa(text).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

const randomText = (bytes: number): string =>
  base64url(crypto.getRandomValues(new Uint8Array(bytes)));

async function discover(issuer: string): Promise<Discovery> {
  const response = await fetch(`${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`);
  if (!response.ok) {
    throw new Error(`The identity provider's discovery answered ${response.status}.`);
  }
  const document = (await response.json()) as Partial<Discovery> & { issuer?: string };
  if (document.issuer !== issuer) {
    throw new Error(`The identity provider names itself '${String(document.issuer)}'.`);
  }
  if (!document.authorization_endpoint || !document.token_endpoint) {
    throw new Error('The identity provider publishes no authorization or token endpoint.');
  }
  return {
    authorization_endpoint: document.authorization_endpoint,
    token_endpoint: document.token_endpoint,
  };
}

/** Leaves for the issuer's sign-in page; `returnTo` is the console path to come back to. */
export async function startSignIn(client: OidcClient, returnTo: string): Promise<void> {
  const discovery = await discover(client.issuer);
  const verifier = randomText(32);
  const challenge = base64url(
    new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier))),
  );
  const pending: Pending = {
    state: randomText(16),
    verifier,
    tokenEndpoint: discovery.token_endpoint,
    clientId: client.clientId,
    redirectUri: location.origin + CALLBACK_PATH,
    returnTo,
  };
  sessionStorage.setItem(PENDING, JSON.stringify(pending));
  const url = new URL(discovery.authorization_endpoint);
  for (const [name, value] of Object.entries({
    response_type: 'code',
    client_id: client.clientId,
    redirect_uri: pending.redirectUri,
    scope: client.scopes,
    state: pending.state,
    code_challenge: challenge,
    code_challenge_method: 'S256',
  })) {
    url.searchParams.set(name, value);
  }
  location.assign(url.toString());
}

/**
 * Finishes a sign-in on /console/callback: checks the state, exchanges the code for an access
 * token and returns it with the path to go back to. The pending request is used once: a reload
 * of the callback or a forged redirect fails with a message instead of signing anyone in.
 */
export async function completeSignIn(
  query: URLSearchParams,
): Promise<{ token: string; returnTo: string }> {
  const saved = sessionStorage.getItem(PENDING);
  sessionStorage.removeItem(PENDING);
  const pending = saved ? (JSON.parse(saved) as Pending) : null;
  if (!pending || query.get('state') !== pending.state) {
    throw new Error('This sign-in was not started here (or was already used): sign in again.');
  }
  const error = query.get('error');
  if (error) {
    throw new Error(
      `The identity provider refused the sign-in: ${query.get('error_description') ?? error}.`,
    );
  }
  const code = query.get('code');
  if (!code) throw new Error('The identity provider sent no authorization code.');
  const response = await fetch(pending.tokenEndpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code,
      redirect_uri: pending.redirectUri,
      client_id: pending.clientId,
      code_verifier: pending.verifier,
    }),
  });
  const body = (await response.json().catch(() => ({}))) as {
    access_token?: string;
    error?: string;
    error_description?: string;
  };
  if (!response.ok || !body.access_token) {
    const reason = body.error_description ?? body.error ?? `status ${response.status}`;
    throw new Error(`The identity provider did not issue a token: ${reason}.`);
  }
  return { token: body.access_token, returnTo: pending.returnTo };
}
