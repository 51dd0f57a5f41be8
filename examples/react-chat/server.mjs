// The example's backend: serves the built app and one route, POST /api/session, that signs a
// user in and answers a short-lived Cariosan user token issued with @cariosan/node. The API
// secret stays here; the browser only ever sees user tokens.
//
// This is a demo: anyone may sign in as any name. A real app would take the user from its own
// session (cookie, OAuth…) instead of the request body.
//
// Run: CARIOSAN_URL=http://127.0.0.1:8080 CARIOSAN_API_KEY=… CARIOSAN_API_SECRET=… node server.mjs
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Cariosan, CariosanError } from '@cariosan/node';

const DEMO_CHANNELS = [
  { id: 'general', name: 'General' },
  { id: 'random', name: 'Random' },
];
const USER_ID = /^[a-z0-9_-]{1,32}$/;
/** @type {Record<string, string>} */
const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.map': 'application/json',
};

/**
 * Starts the backend.
 *
 * @param {object} options
 * @param {string} options.cariosanUrl where this backend reaches Cariosan
 * @param {string} [options.publicUrl] where browsers reach Cariosan (default: cariosanUrl)
 * @param {string} options.apiKey
 * @param {string} options.apiSecret
 * @param {number} [options.port] 0 picks a free port
 * @param {string} [options.host] default 127.0.0.1
 * @param {string} [options.staticDir] the built app (default: ./dist)
 * @returns {Promise<{ url: string, close(): Promise<void> }>}
 */
export async function startBackend(options) {
  const cariosan = new Cariosan({
    apiKey: options.apiKey,
    apiSecret: options.apiSecret,
    baseUrl: options.cariosanUrl,
  });
  const staticDir = options.staticDir ?? fileURLToPath(new URL('./dist', import.meta.url));

  /**
   * Makes the user and puts them in the demo channels; answers a 10-minute token.
   * @param {string} userId
   */
  async function signIn(userId) {
    await cariosan.users.upsert(userId, { name: userId.charAt(0).toUpperCase() + userId.slice(1) });
    for (const channel of DEMO_CHANNELS) {
      try {
        await cariosan.channels.create({ type: 'group', ...channel, members: [userId] });
      } catch (error) {
        if (!(error instanceof CariosanError) || error.status !== 409) throw error;
        await cariosan.channels.updateMembers(channel.id, { add: [userId] });
      }
    }
    const token = await cariosan.issueUserToken(userId, { ttlSeconds: 600 });
    return { user_id: userId, token, url: options.publicUrl ?? options.cariosanUrl };
  }

  /**
   * @param {string} path
   * @param {import('node:http').ServerResponse} res
   */
  async function serveFile(path, res) {
    const relative = normalize(decodeURIComponent(path)).replace(/^(\.\.[/\\])+/, '');
    let file = join(staticDir, relative);
    const info = await stat(file).catch(() => undefined);
    if (!info?.isFile()) file = join(staticDir, 'index.html');
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' });
    createReadStream(file).pipe(res);
  }

  const server = createServer(async (req, res) => {
    try {
      const url = new URL(req.url ?? '/', 'http://localhost');
      if (url.pathname === '/api/session' && req.method === 'POST') {
        const chunks = [];
        for await (const chunk of req) chunks.push(chunk);
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
        if (typeof body.user_id !== 'string' || !USER_ID.test(body.user_id)) {
          res.writeHead(400, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ error: 'user_id: 1-32 of a-z, 0-9, _ and -' }));
          return;
        }
        const session = await signIn(body.user_id);
        res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
        res.end(JSON.stringify(session));
        return;
      }
      if (req.method !== 'GET') {
        res.writeHead(405).end();
        return;
      }
      await serveFile(url.pathname, res);
    } catch (error) {
      console.error('request failed:', error instanceof Error ? error.message : error);
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: 'Could not reach Cariosan' }));
    }
  });
  await new Promise((resolve) =>
    server.listen(options.port ?? 3000, options.host ?? '127.0.0.1', () => resolve(undefined)),
  );
  const { port } = /** @type {import('node:net').AddressInfo} */ (server.address());
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { CARIOSAN_URL, CARIOSAN_PUBLIC_URL, CARIOSAN_API_KEY, CARIOSAN_API_SECRET } = process.env;
  if (!CARIOSAN_API_KEY || !CARIOSAN_API_SECRET) {
    console.error('Set CARIOSAN_API_KEY and CARIOSAN_API_SECRET (cariosan workspace create).');
    process.exit(1);
  }
  const backend = await startBackend({
    cariosanUrl: CARIOSAN_URL ?? 'http://127.0.0.1:8080',
    publicUrl: CARIOSAN_PUBLIC_URL,
    apiKey: CARIOSAN_API_KEY,
    apiSecret: CARIOSAN_API_SECRET,
    port: Number(process.env.PORT ?? 3000),
  });
  console.log(`react-chat on ${backend.url}`);
}
