/** What POST /api/session answers: the user, a Cariosan user token, and where Cariosan is. */
export interface Session {
  user_id: string;
  token: string;
  url: string;
}

/**
 * Signs in through the example's backend. The backend holds the API secret and issues the
 * token with `@cariosan/node`; the browser never sees the secret.
 */
export async function signIn(userId: string): Promise<Session> {
  const response = await fetch('/api/session', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ user_id: userId }),
  });
  const body = await response.json();
  if (!response.ok) throw new Error(body.error ?? `Sign-in failed (${response.status})`);
  return body as Session;
}
