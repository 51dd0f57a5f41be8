// Message history (GET /v1/channels/:id/messages?limit=50) on a channel of N messages vs. one
// of 1,000, over real HTTP on 127.0.0.1: random `before` positions and the newest page, a few
// concurrent clients. History is a keyset range scan on (workspace_id, channel_id, seq) plus
// one grouped reaction query, so the ratio should stay near 1 however long the channel is.
//
// Run: pnpm build && node bench/messages-history.mjs [--messages 1000000] [--requests 2000]
//        [--clients 4]
// With DATABASE_URL=postgres://… it creates (and drops) its own database on that server;
// without, it uses embedded PGlite in a temp dir (removed at the end).
import { parseArgs } from 'node:util';
import { withWorkspace } from '../apps/server/dist/index.js';
import {
  cleanup,
  percentile,
  requireFromServer,
  startBenchServer,
  stopAfter,
  storage,
} from './support.mjs';

const { sql } = requireFromServer('kysely');

const { values: args } = parseArgs({
  options: {
    messages: { type: 'string', default: '1000000' },
    requests: { type: 'string', default: '2000' },
    clients: { type: 'string', default: '4' },
  },
});
const total = Number(args.messages);
const requests = Number(args.requests);
const clients = Number(args.clients);
const BASELINE = 1000;
const BATCH = 100_000;
const USERS = ['bench-0', 'bench-1', 'bench-2', 'bench-3'];

stopAfter(60);

/**
 * Channel `id` with `count` messages from generate_series (ids `msg_<idPrefix><hex seq>`, valid
 * ULID characters), a tenth of them with two reactions.
 */
async function fillChannel(db, workspaceId, id, count, idPrefix) {
  await withWorkspace(db, workspaceId, async (trx) => {
    await sql`insert into channels (workspace_id, id, type, name) values (${workspaceId}, ${id}, 'group', ${id})`.execute(
      trx,
    );
    for (const user of USERS) {
      await sql`insert into channel_members (workspace_id, channel_id, user_id, last_read_seq)
        values (${workspaceId}, ${id}, ${user}, ${count})`.execute(trx);
    }
  });
  for (let from = 1; from <= count; from += BATCH) {
    const to = Math.min(count, from + BATCH - 1);
    // One transaction per batch: the deferred author checks stay bounded, progress is visible.
    await withWorkspace(db, workspaceId, async (trx) => {
      await sql`insert into messages (workspace_id, id, channel_id, seq, user_id, text, created_at)
        select ${workspaceId}, 'msg_' || ${idPrefix} || lpad(upper(to_hex(g)), 24, '0'),
          ${id}, g, 'bench-' || (g % 4),
          'Message number ' || g || ' of the benchmark, with a little more text to be realistic.',
          now() - make_interval(secs => ${count} - g)
        from generate_series(${from}::bigint, ${to}::bigint) g`.execute(trx);
      await sql`insert into reactions (workspace_id, message_id, user_id, type)
        select ${workspaceId}, 'msg_' || ${idPrefix} || lpad(upper(to_hex(g)), 24, '0'),
          u, 'like'
        from generate_series(${from}::bigint, ${to}::bigint) g, unnest(array['bench-1', 'bench-2']) u
        where g % 10 = 0`.execute(trx);
    });
    if (count > BATCH) process.stdout.write(`\r  ${id}: ${to.toLocaleString('en')} messages`);
  }
  if (count > BATCH) process.stdout.write('\n');
  await withWorkspace(db, workspaceId, (trx) =>
    sql`update channels set last_seq = ${count}, last_message_at = now()
      where workspace_id = ${workspaceId} and id = ${id}`.execute(trx),
  );
}

/** `requests` GETs spread over `clients` concurrent loops; `pick()` chooses each query. */
async function measure(baseUrl, authorization, channelId, pick, count = requests) {
  const samples = [];
  let next = 0;
  const one = async () => {
    const query = pick();
    const start = performance.now();
    const response = await fetch(
      `${baseUrl}/v1/channels/${channelId}/messages?limit=50&user_id=bench-0${query}`,
      { headers: { authorization } },
    );
    const body = await response.json();
    samples.push(performance.now() - start);
    if (response.status !== 200)
      throw new Error(`${query}: ${response.status} ${JSON.stringify(body)}`);
    const seqs = body.messages.map((m) => m.seq);
    if (seqs.some((seq, i) => i > 0 && seq !== seqs[i - 1] + 1))
      throw new Error('page out of order');
  };
  const started = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (next++ < count) await one();
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    p50: percentile(sorted, 0.5),
    p99: percentile(sorted, 0.99),
    mean: samples.reduce((sum, value) => sum + value, 0) / samples.length,
    rps: samples.length / seconds,
  };
}

try {
  const store = await storage();
  const { server, workspaceId, authorization } = await startBenchServer(store.env);
  const db = server.deps.database.db;
  await withWorkspace(db, workspaceId, (trx) =>
    sql`insert into users (workspace_id, id) values ${sql.join(USERS.map((u) => sql`(${workspaceId}, ${u})`))}`.execute(
      trx,
    ),
  );

  console.log(`storage: ${store.label}; node ${process.version}`);
  const loadStart = performance.now();
  await fillChannel(db, workspaceId, 'big', total, '01');
  await fillChannel(db, workspaceId, 'small', BASELINE, '02');
  console.log(
    `inserted ${total.toLocaleString('en')} + ${BASELINE.toLocaleString('en')} messages in ${((performance.now() - loadStart) / 1000).toFixed(1)} s`,
  );
  if (store.admin) {
    // Fresh statistics, as autovacuum would have them on a long-lived database.
    const owner = store.admin();
    try {
      await owner`analyze messages`;
      await owner`analyze reactions`;
    } finally {
      await owner.end();
    }
  }

  const randomBefore = (count) => () => `&before=${51 + Math.floor(Math.random() * (count - 50))}`;
  const newest = () => '';
  const runs = [];
  for (const [label, channelId, count] of [
    [`${BASELINE.toLocaleString('en')} messages`, 'small', BASELINE],
    [`${total.toLocaleString('en')} messages`, 'big', total],
  ]) {
    await measure(server.url, authorization, channelId, randomBefore(count), 200); // warm-up
    runs.push({
      label: `${label}, random before`,
      ...(await measure(server.url, authorization, channelId, randomBefore(count))),
    });
    runs.push({
      label: `${label}, newest page`,
      ...(await measure(server.url, authorization, channelId, newest)),
    });
  }
  const ms = (value) => `${value.toFixed(2).padStart(7)} ms`;
  console.log(`${requests} requests per row, ${clients} concurrent clients, limit=50`);
  for (const run of runs) {
    console.log(
      `${run.label.padEnd(36)} p50 ${ms(run.p50)}  p99 ${ms(run.p99)}  mean ${ms(run.mean)}  ${run.rps.toFixed(0).padStart(6)} req/s`,
    );
  }
  const [smallRandom, smallNewest, bigRandom, bigNewest] = runs;
  console.log(
    `ratio big / small p50: random before ${(bigRandom.p50 / smallRandom.p50).toFixed(2)}x, newest ${(bigNewest.p50 / smallNewest.p50).toFixed(2)}x`,
  );
} finally {
  await cleanup();
}
