// Webhook delivery to a local receiver (node:http on 127.0.0.1, verifying every signature):
//   1. latency: messages sent one at a time; time from the send's response (the commit is
//      acknowledged) to the delivery's arrival at the receiver, p50 / p99.
//   2. throughput: a backlog of deliveries recorded while the endpoint is disabled, then
//      drained once it is enabled: deliveries per second of one node's worker.
// Server and receiver share this process (and its CPU), as in the other benches.
//
// Run: pnpm build && node bench/webhooks.mjs [--latency 300] [--messages 5000] [--channels 8]
// With DATABASE_URL=postgres://… it creates (and drops) its own database on that server;
// without, it uses embedded PGlite in a temp dir (removed at the end).
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';
import { verifyWebhook } from '../packages/sdk-node/dist/index.js';
import {
  cleanup,
  ms,
  onCleanup,
  percentile,
  startBenchServer,
  stopAfter,
  storage,
} from './support.mjs';

const { values: args } = parseArgs({
  options: {
    latency: { type: 'string', default: '300' },
    messages: { type: 'string', default: '5000' },
    channels: { type: 'string', default: '8' },
  },
});
const latencyCount = Number(args.latency);
const backlog = Number(args.messages);
const channelCount = Number(args.channels);
const SENDERS = 16;

stopAfter(10);

/** The receiver: verifies each delivery and notes when each message's event arrived. */
async function startReceiver(apiSecret) {
  const arrivals = new Map();
  let waiter;
  let failures = 0;
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => {
      const at = performance.now();
      try {
        const event = verifyWebhook(Buffer.concat(chunks), req.headers, apiSecret);
        if (!arrivals.has(event.data.message.id)) arrivals.set(event.data.message.id, at);
        res.writeHead(204).end();
      } catch {
        failures++;
        res.writeHead(400).end();
      }
      if (waiter && arrivals.size >= waiter.count) waiter.resolve();
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  onCleanup(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  return {
    url: `http://127.0.0.1:${server.address().port}/hooks`,
    arrivals,
    failures: () => failures,
    until(count) {
      if (arrivals.size >= count) return Promise.resolve();
      return new Promise((resolve) => {
        waiter = { count, resolve };
      });
    },
  };
}

try {
  const store = await storage();
  // The receiver is on loopback, which the default address policy refuses.
  const { apiSecret, call } = await startBenchServer(store.env, {
    CARIOSAN_WEBHOOK_ALLOW_HOSTS: '127.0.0.1',
  });
  const receiver = await startReceiver(apiSecret);
  await call('PUT', '/v1/users/bench', {});
  const channels = Array.from({ length: channelCount }, (_, i) => `bench-${i}`);
  for (const id of channels)
    await call('POST', '/v1/channels', { type: 'group', id, members: ['bench'] });
  const webhook = await call('POST', '/v1/webhooks', {
    url: receiver.url,
    events: ['message.new'],
  });
  console.log(`storage: ${store.label}; node ${process.version}`);

  // 1. Latency, one message at a time.
  for (let i = 0; i < 20; i++) {
    await call('POST', `/v1/channels/${channels[0]}/messages`, {
      text: 'warm-up',
      user_id: 'bench',
    });
  }
  await receiver.until(20);
  const latencies = [];
  const roundTrips = [];
  for (let i = 0; i < latencyCount; i++) {
    const sentAt = performance.now();
    const message = await call('POST', `/v1/channels/${channels[0]}/messages`, {
      text: `latency ${i}`,
      user_id: 'bench',
    });
    const committed = performance.now();
    const before = receiver.arrivals.size;
    await receiver.until(before + 1);
    latencies.push(receiver.arrivals.get(message.id) - committed);
    roundTrips.push(receiver.arrivals.get(message.id) - sentAt);
  }
  const sortedLatency = [...latencies].sort((a, b) => a - b);
  console.log(
    `latency, send response → receipt (${latencyCount} messages, one at a time): ` +
      `p50 ${ms(percentile(sortedLatency, 0.5))}  p99 ${ms(percentile(sortedLatency, 0.99))}  ` +
      `max ${ms(sortedLatency.at(-1))}` +
      (sortedLatency[0] < 0
        ? `  (${latencies.filter((l) => l < 0).length} arrived before the response)`
        : ''),
  );
  const sortedRoundTrip = [...roundTrips].sort((a, b) => a - b);
  console.log(
    `latency, send request → receipt (includes the send itself): ` +
      `p50 ${ms(percentile(sortedRoundTrip, 0.5))}  p99 ${ms(percentile(sortedRoundTrip, 0.99))}`,
  );

  // 2. Throughput: record a backlog while disabled, then drain it.
  await call('PATCH', `/v1/webhooks/${webhook.id}`, { enabled: false });
  const already = receiver.arrivals.size;
  const loadStart = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: SENDERS }, async () => {
      while (next < backlog) {
        const i = next++;
        await call('POST', `/v1/channels/${channels[i % channels.length]}/messages`, {
          text: `backlog ${i}`,
          user_id: 'bench',
        });
      }
    }),
  );
  const loadSeconds = (performance.now() - loadStart) / 1000;
  console.log(
    `recorded ${backlog} messages (${(backlog / loadSeconds).toFixed(0)} msg/s over HTTP, ${SENDERS} senders) with the endpoint disabled`,
  );
  const drainStart = performance.now();
  await call('PATCH', `/v1/webhooks/${webhook.id}`, { enabled: true });
  await receiver.until(already + backlog);
  const drainSeconds = (performance.now() - drainStart) / 1000;
  console.log(
    `throughput, draining ${backlog} deliveries over ${channelCount} channels: ` +
      `${(backlog / drainSeconds).toFixed(0)} deliveries/s (${drainSeconds.toFixed(2)} s)`,
  );
  if (receiver.failures() > 0)
    throw new Error(`${receiver.failures()} deliveries failed verification`);
} finally {
  await cleanup();
}
