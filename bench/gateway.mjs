// WebSocket gateway vs. a bare `ws` broadcast server (bench/bare-ws-server.mjs), same run,
// same machine, each server in its own child process and the clients in this one:
//   1. fan-out: N sockets subscribed to one channel; one of them sends messages.
//      Latency: one message at a time, send → arrival at each of the N sockets, p50 / p99.
//      Throughput: a burst of messages from several of the sockets at once, deliveries per
//      second until the last one arrived.
//   2. memory: resident memory of the server process with M idle sockets (authenticated,
//      for Cariosan) minus that with none, per socket; and how fast they connect.
// Cariosan persists every message (PGlite or PostgreSQL), assigns its seq in a transaction,
// fans it out through NOTIFY and checks membership; the baseline does none of that.
// The per-socket frame rate limits are turned off for the Cariosan child (one socket sends
// the whole burst); everything else is the default configuration.
//
// Run: pnpm build && node bench/gateway.mjs [--sockets 1000] [--messages 200] [--burst 200]
//        [--senders 10] [--idle 10000]
// With DATABASE_URL=postgres://… it creates (and drops) its own database on that server;
// without, it uses embedded PGlite in a temp dir (removed at the end). Needs `ulimit -n` above
// the idle socket count (each process holds one end of each socket).
import { execFile, spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { parseArgs, promisify } from 'node:util';
import { Cariosan } from '../packages/sdk-node/dist/index.js';
import {
  cleanup,
  ms,
  onCleanup,
  requireFromServer,
  stopAfter,
  storage,
  summarize,
} from './support.mjs';

const WebSocket = requireFromServer('ws');

const { values: args } = parseArgs({
  options: {
    sockets: { type: 'string', default: '1000' },
    messages: { type: 'string', default: '200' },
    burst: { type: 'string', default: '200' },
    idle: { type: 'string', default: '10000' },
    senders: { type: 'string', default: '10' },
  },
});
const socketCount = Number(args.sockets);
const latencyMessages = Number(args.messages);
const burst = Number(args.burst);
const idleCount = Number(args.idle);
const senderCount = Number(args.senders);
const CONCURRENCY = 64;
const CLI = new URL('../apps/server/dist/cli.js', import.meta.url).pathname;
const BARE = new URL('./bare-ws-server.mjs', import.meta.url).pathname;

stopAfter(15);

/** Runs `task(i)` for i in [0, count) with at most `limit` at once. */
async function pool(count, limit, task) {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, count) }, async () => {
      while (next < count) await task(next++);
    }),
  );
}

async function freePort() {
  const probe = createServer();
  await new Promise((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address();
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

/** Starts a child process; stopped (SIGTERM, then SIGKILL) at cleanup. */
function child(args, env) {
  const proc = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise((resolve) => proc.once('exit', resolve));
  const stop = async () => {
    if (proc.exitCode !== null || proc.signalCode !== null) return;
    proc.kill('SIGTERM');
    const timer = setTimeout(() => proc.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  };
  onCleanup(stop);
  return { proc, stop };
}

/** Resident set size of a process, from /proc (Linux). */
async function rss(pid) {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)[1]) * 1024;
}

/** Lets the server settle (timers, GC) before a memory reading. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 3000));

/**
 * Opens a socket; with a token, authenticates it (and subscribes it when `channelId` is set).
 * `onFrame` sees every parsed frame after the handshake.
 */
function openSocket(url, { token, channelId, onFrame } = {}) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    const pending = new Map();
    const request = (frame) =>
      new Promise((done, fail) => {
        pending.set(frame.id, { done, fail });
        ws.send(JSON.stringify(frame));
      });
    ws.on('message', (data) => {
      const frame = JSON.parse(String(data));
      const waiter = frame.id === undefined ? undefined : pending.get(frame.id);
      if (waiter && (frame.type === 'ack' || frame.type === 'error')) {
        pending.delete(frame.id);
        if (frame.type === 'ack') waiter.done(frame);
        else waiter.fail(new Error(`${frame.code}: ${frame.message}`));
        return;
      }
      onFrame?.(frame);
    });
    ws.once('error', reject);
    ws.once('open', async () => {
      try {
        if (token) await request({ type: 'connect', id: 'c', token });
        if (channelId) await request({ type: 'subscribe', id: 's', channel_id: channelId });
        resolve(ws);
      } catch (error) {
        reject(error);
      }
    });
  });
}

function closeAll(sockets) {
  return Promise.all(
    sockets.map(
      (ws) =>
        new Promise((resolve) => {
          if (ws.readyState === WebSocket.CLOSED) return resolve();
          ws.once('close', resolve);
          ws.close();
        }),
    ),
  );
}

/**
 * The fan-out measurement, the same for both servers: `connect(onFrame)` opens one subscribed
 * socket; the first one sends. A message's text carries its number, so each arrival is timed
 * against its own send.
 */
async function fanOut(label, connect, frameFor) {
  const sentAt = [];
  const latencies = [];
  let arrivals = 0;
  let lastArrival = 0;
  let waiter;
  const onFrame = (frame) => {
    if (frame.type !== 'event' || frame.event !== 'message.new') return;
    const text = frame.data.message.text;
    if (!text.startsWith('bench ')) return;
    lastArrival = performance.now();
    const n = Number(text.slice(6));
    if (n < latencyMessages) latencies.push(lastArrival - sentAt[n]);
    arrivals++;
    if (waiter && arrivals >= waiter.count) waiter.resolve();
  };
  const until = (count) =>
    arrivals >= count
      ? Promise.resolve()
      : new Promise((resolve) => {
          waiter = { count, resolve };
        });
  const connectStart = performance.now();
  const sockets = new Array(socketCount);
  await pool(socketCount, CONCURRENCY, async (i) => {
    sockets[i] = await connect(i, onFrame);
  });
  const connectSeconds = (performance.now() - connectStart) / 1000;
  const [sender] = sockets;
  // Warm-up: a few messages through the whole path, not counted.
  for (let i = 0; i < 5; i++) {
    sender.send(JSON.stringify(frameFor(`warm ${i}`)));
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  for (let n = 0; n < latencyMessages; n++) {
    sentAt[n] = performance.now();
    sender.send(JSON.stringify(frameFor(`bench ${n}`)));
    await until((n + 1) * socketCount);
  }
  const burstStart = performance.now();
  for (let n = latencyMessages; n < latencyMessages + burst; n++) {
    sockets[n % senderCount].send(JSON.stringify(frameFor(`bench ${n}`)));
  }
  await until((latencyMessages + burst) * socketCount);
  const burstSeconds = (lastArrival - burstStart) / 1000;
  await closeAll(sockets);
  const result = {
    label,
    connectPerSecond: socketCount / connectSeconds,
    ...summarize(latencies),
    deliveriesPerSecond: (burst * socketCount) / burstSeconds,
  };
  console.log(
    `${label.padEnd(10)} send → deliver p50 ${ms(result.p50).padStart(9)}  p99 ${ms(result.p99).padStart(9)}  ` +
      `burst ${Math.round(result.deliveriesPerSecond).toLocaleString('en').padStart(9)} deliveries/s  ` +
      `(${socketCount} sockets connected at ${Math.round(result.connectPerSecond)}/s)`,
  );
  return result;
}

/** RSS growth of `pid` per idle socket opened by `connect(i)`; also how fast they connect. */
async function idleMemory(label, pid, connect) {
  await settle();
  const before = await rss(pid);
  const sockets = new Array(idleCount);
  const start = performance.now();
  await pool(idleCount, CONCURRENCY, async (i) => {
    sockets[i] = await connect(i);
  });
  const seconds = (performance.now() - start) / 1000;
  await settle();
  const after = await rss(pid);
  await closeAll(sockets);
  const perSocket = (after - before) / idleCount;
  console.log(
    `${label.padEnd(10)} ${idleCount.toLocaleString('en')} idle sockets: +${((after - before) / 2 ** 20).toFixed(1)} MiB RSS, ` +
      `${(perSocket / 1024).toFixed(1)} KiB per socket (connected at ${Math.round(idleCount / seconds)}/s)`,
  );
  return { perSocket };
}

async function startCariosan(store) {
  const port = await freePort();
  const env = {
    ...process.env,
    ...store.env,
    PORT: String(port),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    CARIOSAN_WS_FRAME_RATE: '0',
    CARIOSAN_WS_USER_FRAME_RATE: '0',
  };
  // BENCH_SERVER_NODE_ARGS='--cpu-prof --cpu-prof-dir=/tmp/prof' profiles the server.
  const nodeArgs = process.env.BENCH_SERVER_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
  const server = child([...nodeArgs, CLI, 'serve'], env);
  server.proc.stdout.resume();
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`${url}/readyz`)).ok) break;
    } catch {}
    if (i > 600) throw new Error('the Cariosan server did not become ready in 60 s');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [CLI, 'workspace', 'create', '--name', 'bench', '--json'],
    { env },
  );
  const credentials = JSON.parse(stdout);
  const sdk = new Cariosan({
    apiKey: credentials.api_key,
    apiSecret: credentials.api_secret,
    baseUrl: url,
  });
  return { ...server, url, wsUrl: `ws://127.0.0.1:${port}/v1/ws`, sdk };
}

async function startBare() {
  const server = child([BARE], process.env);
  const port = await new Promise((resolve, reject) => {
    server.proc.stdout.once('data', (data) => resolve(JSON.parse(String(data)).port));
    server.proc.once('exit', () => reject(new Error('the bare server exited')));
  });
  return { ...server, wsUrl: `ws://127.0.0.1:${port}` };
}

try {
  const store = await storage();
  console.log(`storage: ${store.label}; node ${process.version}`);
  console.log(
    `fan-out: ${socketCount} sockets in one channel, ${latencyMessages} messages one at a time, then a burst of ${burst} from ${senderCount} of them`,
  );

  const cariosan = await startCariosan(store);
  const users = Math.max(socketCount, idleCount);
  const userId = (i) => `u${i}`;
  await pool(users, 16, (i) => cariosan.sdk.users.upsert(userId(i), {}));
  const members = Array.from({ length: socketCount }, (_, i) => userId(i));
  await cariosan.sdk.channels.create({
    type: 'group',
    id: 'bench',
    members: members.slice(0, 500),
  });
  for (let from = 500; from < socketCount; from += 500) {
    await cariosan.sdk.channels.updateMembers('bench', { add: members.slice(from, from + 500) });
  }
  const tokens = [];
  for (let i = 0; i < users; i++) {
    tokens.push(await cariosan.sdk.issueUserToken(userId(i), { ttlSeconds: 3600 }));
  }

  const ours = await fanOut(
    'Cariosan',
    (i, onFrame) => openSocket(cariosan.wsUrl, { token: tokens[i], channelId: 'bench', onFrame }),
    (text) => {
      const key = text.replace(' ', '-');
      return { type: 'send', id: key, channel_id: 'bench', client_id: key, text };
    },
  );
  const bare = await startBare();
  const baseline = await fanOut(
    'bare ws',
    (_i, onFrame) => openSocket(bare.wsUrl, { onFrame }),
    (text) => ({ channel_id: 'bench', text }),
  );
  console.log(
    `ratio Cariosan / bare ws: p50 ${(ours.p50 / baseline.p50).toFixed(2)}x, p99 ${(ours.p99 / baseline.p99).toFixed(2)}x, ` +
      `burst throughput ${(ours.deliveriesPerSecond / baseline.deliveriesPerSecond).toFixed(2)}x`,
  );

  console.log(`memory: ${idleCount.toLocaleString('en')} idle sockets, RSS of the server process`);
  const ourMemory = await idleMemory('Cariosan', cariosan.proc.pid, (i) =>
    openSocket(cariosan.wsUrl, { token: tokens[i] }),
  );
  const bareMemory = await idleMemory('bare ws', bare.proc.pid, () => openSocket(bare.wsUrl));
  console.log(
    `ratio Cariosan / bare ws memory per socket: ${(ourMemory.perSocket / bareMemory.perSocket).toFixed(2)}x`,
  );
} finally {
  await cleanup();
}
