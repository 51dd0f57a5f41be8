import type { TestServer } from './test-server';
import { bearer, connectionFrom } from './test-server';

// biome-ignore lint/suspicious/noExplicitAny: response bodies are checked by each test's assertions
export interface ApiResponse<T = any> {
  status: number;
  body: T;
}

/**
 * A JSON caller bound to one credential: `Bearer key:secret` or a user token.
 *
 * @example
 * const api = apiAs(server, bearer(ws));
 * const { status, body } = await api('POST', '/v1/channels', { type: 'group', members: [] });
 */
export function apiAs(server: TestServer, authorization: string) {
  // biome-ignore lint/suspicious/noExplicitAny: as above
  return async <T = any>(method: string, path: string, body?: unknown): Promise<ApiResponse<T>> => {
    const response = await server.app.request(
      path,
      {
        method,
        headers: {
          authorization,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      },
      connectionFrom('10.55.0.1'),
    );
    return { status: response.status, body: (await response.json()) as T };
  };
}

/** The server key pair of revealed credentials as an API caller. */
export function serverApi(
  server: TestServer,
  credentials: { api_key: string; api_secret: string },
) {
  return apiAs(server, bearer(credentials));
}
