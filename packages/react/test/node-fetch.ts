import { request } from 'node:http';

/**
 * A minimal fetch over node:http for tests that run in happy-dom, whose own fetch applies
 * browser CORS rules to a page that has no origin.
 *
 * @example
 * createClient({ url, tokenProvider, fetch: nodeFetch });
 */
export const nodeFetch = ((input: string | URL, init: RequestInit = {}) =>
  new Promise((resolve, reject) => {
    const req = request(
      String(input),
      { method: init.method ?? 'GET', headers: init.headers as Record<string, string> },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const body = Buffer.concat(chunks).toString('utf8');
          resolve({
            ok: (res.statusCode ?? 0) >= 200 && (res.statusCode ?? 0) < 300,
            status: res.statusCode ?? 0,
            headers: {
              get: (name: string) => {
                const value = res.headers[name.toLowerCase()];
                return Array.isArray(value) ? value.join(', ') : (value ?? null);
              },
            },
            json: async () => JSON.parse(body),
            text: async () => body,
          } as Response);
        });
      },
    );
    req.on('error', reject);
    if (init.body) req.write(init.body as string);
    req.end();
  })) as typeof fetch;
