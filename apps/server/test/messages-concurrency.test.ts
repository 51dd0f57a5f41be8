import { type RawBuilder, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withWorkspace } from '../src/db/scope';
import type { RevealedCredentials } from '../src/workspaces/workspace.service';
import { type ApiResponse, serverApi } from './support/api';
import { createTestServer, type TestServer } from './support/test-server';

let server: TestServer;
let ws: RevealedCredentials;
let api: ReturnType<typeof serverApi>;
const senders = Array.from({ length: 8 }, (_, i) => `sender-${i}`);
let channelCount = 0;

const query = async <T>(text: RawBuilder<T>) =>
  (await withWorkspace(server.deps.database.db, ws.workspace_id, (trx) => text.execute(trx))).rows;

beforeAll(async () => {
  server = await createTestServer();
  ws = await server.createWorkspace();
  api = serverApi(server, ws);
  await query(sql`insert into users (workspace_id, id)
    values ${sql.join(senders.map((id) => sql`(${ws.workspace_id}, ${id})`))}`);
});
afterAll(async () => {
  await server?.close();
});

/** A group channel of all senders, made in SQL so only the message routes are under test. */
async function newChannel(): Promise<string> {
  const id = `ch-${++channelCount}`;
  await query(
    sql`insert into channels (workspace_id, id, type) values (${ws.workspace_id}, ${id}, 'group')`,
  );
  await query(sql`insert into channel_members (workspace_id, channel_id, user_id)
    values ${sql.join(senders.map((user) => sql`(${ws.workspace_id}, ${id}, ${user})`))}`);
  return id;
}

const lastSeq = async (channelId: string) =>
  (
    await query(sql<{ n: number }>`select last_seq::int as n from channels where id = ${channelId}`)
  )[0]!.n;
const count = async (table: 'messages' | 'outbox', channelId: string, type?: string) =>
  (
    await query(sql<{ n: number }>`select count(*)::int as n from ${sql.table(table)}
      where channel_id = ${channelId} ${type ? sql`and type = ${type}` : sql``}`)
  )[0]!.n;
const times = <T>(n: number, fn: (i: number) => Promise<T>) =>
  Promise.all(Array.from({ length: n }, (_, i) => fn(i)));

describe('seq assignment under concurrency', () => {
  it('gives 8 parallel senders × 25 messages the seqs 1..200 with no gap and no duplicate', async () => {
    const channelId = await newChannel();
    const results = await Promise.all(
      senders.map(async (sender) => {
        const seqs: number[] = [];
        for (let i = 0; i < 25; i++) {
          const sent = await api('POST', `/v1/channels/${channelId}/messages`, {
            text: `${sender} ${i}`,
            user_id: sender,
          });
          expect(sent.status).toBe(201);
          seqs.push(sent.body.seq);
        }
        return seqs;
      }),
    );
    expect(results.flat().sort((x, y) => x - y)).toEqual(
      Array.from({ length: 200 }, (_, i) => i + 1),
    );
    // A sender's later message never overtakes its earlier one.
    for (const seqs of results) expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
    expect(await lastSeq(channelId)).toBe(200);
    const stored = await query(
      sql<{ seq: number }>`select seq from messages where channel_id = ${channelId} order by seq`,
    );
    expect(stored.map((r) => Number(r.seq))).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    expect(await count('outbox', channelId, 'message.new')).toBe(200);
  });

  it('turns 10 concurrent sends with one client_id into one message, identical answers and one seq', async () => {
    const channelId = await newChannel();
    await api('POST', `/v1/channels/${channelId}/messages`, {
      text: 'before',
      user_id: 'sender-0',
    });
    const responses = await times(10, () =>
      api('POST', `/v1/channels/${channelId}/messages`, {
        text: 'once',
        client_id: 'retry-1',
        user_id: 'sender-1',
      }),
    );
    expect(responses.map((r) => r.status).sort()).toEqual([
      200, 200, 200, 200, 200, 200, 200, 200, 200, 201,
    ]);
    expect(new Set(responses.map((r) => JSON.stringify(r.body))).size).toBe(1);
    expect(responses[0]!.body.seq).toBe(2);
    expect(await lastSeq(channelId)).toBe(2);
    const after = await api('POST', `/v1/channels/${channelId}/messages`, {
      text: 'after',
      user_id: 'sender-0',
    });
    expect(after.body.seq).toBe(3);
    expect(await count('messages', channelId)).toBe(3);
    expect(await count('outbox', channelId, 'message.new')).toBe(3);
  });

  it('treats the same client_id from another author, or in another channel, as a new message', async () => {
    const [one, two] = [await newChannel(), await newChannel()];
    const sends = await Promise.all([
      api('POST', `/v1/channels/${one}/messages`, {
        text: 'a',
        client_id: 'shared',
        user_id: 'sender-2',
      }),
      api('POST', `/v1/channels/${one}/messages`, {
        text: 'b',
        client_id: 'shared',
        user_id: 'sender-3',
      }),
      api('POST', `/v1/channels/${two}/messages`, {
        text: 'c',
        client_id: 'shared',
        user_id: 'sender-2',
      }),
    ]);
    expect(sends.map((s) => s.status)).toEqual([201, 201, 201]);
    expect(new Set(sends.map((s) => s.body.id)).size).toBe(3);
  });
});

describe('other writes under concurrency', () => {
  it('stores one reaction and one reaction.new for 10 concurrent identical reactions', async () => {
    const channelId = await newChannel();
    const sent = await api('POST', `/v1/channels/${channelId}/messages`, {
      text: 'hi',
      user_id: 'sender-0',
    });
    const responses = await times(10, () =>
      api('POST', `/v1/channels/${channelId}/messages/${sent.body.id}/reactions`, {
        type: 'like',
        user_id: 'sender-1',
      }),
    );
    expect(responses.every((r) => r.status === 200)).toBe(true);
    expect(responses.map((r) => r.body.reactions.like)).toEqual(Array(10).fill(1));
    expect(await count('outbox', channelId, 'reaction.new')).toBe(1);
  });

  it('counts a reply deleted by 5 concurrent requests once, with one message.deleted', async () => {
    const channelId = await newChannel();
    const url = `/v1/channels/${channelId}/messages`;
    const root = await api('POST', url, { text: 'root', user_id: 'sender-0' });
    const replies = await times(3, (i) =>
      api('POST', url, { text: `r${i}`, parent_id: root.body.id, user_id: 'sender-1' }),
    );
    const deletes = await times(5, () => api('DELETE', `${url}/${replies[0]!.body.id}`));
    expect(new Set(deletes.map((d) => `${d.status} ${JSON.stringify(d.body)}`)).size).toBe(1);
    const page = await api('GET', `${url}?after=0&limit=1`);
    expect(page.body.messages[0].reply_count).toBe(2);
    expect(await count('outbox', channelId, 'message.deleted')).toBe(1);
  });

  it('never writes text back into a message deleted while it is being edited', async () => {
    const channelId = await newChannel();
    const url = `/v1/channels/${channelId}/messages`;
    const targets = await times(10, (i) =>
      api('POST', url, { text: `m${i}`, user_id: 'sender-0' }),
    );
    const outcomes: ApiResponse[] = (
      await times(10, (i) =>
        Promise.all([
          api('PATCH', `${url}/${targets[i]!.body.id}`, { text: 'secret edit' }),
          api('DELETE', `${url}/${targets[i]!.body.id}`),
        ]),
      )
    ).flat();
    expect(outcomes.every((o) => o.status === 200 || o.status === 409)).toBe(true);
    const leaked = await query(sql<{ id: string }>`select id from messages
      where channel_id = ${channelId} and deleted_at is not null and text <> ''`);
    expect(leaked).toEqual([]);
  });

  it('keeps the highest of concurrent read positions and records one read.updated per move', async () => {
    const channelId = await newChannel();
    for (let i = 0; i < 20; i++)
      await api('POST', `/v1/channels/${channelId}/messages`, {
        text: `${i}`,
        user_id: 'sender-0',
      });
    const reads = await times(20, (i) =>
      api('POST', `/v1/channels/${channelId}/read`, { seq: i + 1, user_id: 'sender-5' }),
    );
    reads.forEach((read, i) => {
      expect(read.status).toBe(200);
      expect(read.body.last_read_seq).toBeGreaterThanOrEqual(i + 1);
    });
    const final = await api('POST', `/v1/channels/${channelId}/read`, {
      seq: 0,
      user_id: 'sender-5',
    });
    expect(final.body).toMatchObject({ last_read_seq: 20, unread_count: 0 });
    const moves = await query(sql<{
      seq: number;
    }>`select (payload->>'last_read_seq')::int as seq from outbox
      where channel_id = ${channelId} and type = 'read.updated' order by id`);
    const seqs = moves.map((m) => m.seq);
    expect(seqs).toEqual([...new Set(seqs)].sort((x, y) => x - y));
    expect(seqs.at(-1)).toBe(20);
  });
});

describe('history across thousands of messages', () => {
  it('walks 3,000 messages backward with before and forward with after, each seq exactly once, pages ascending', async () => {
    const channelId = await newChannel();
    const total = 3000;
    await query(sql`insert into messages (workspace_id, id, channel_id, seq, user_id, text)
      select ${ws.workspace_id}, 'msg_01' || lpad(upper(to_hex(g)), 24, '0'), ${channelId}, g, 'sender-0', 'm' || g
      from generate_series(1, ${total}) g`);
    await query(sql`update channels set last_seq = ${total} where id = ${channelId}`);
    const url = `/v1/channels/${channelId}/messages`;
    const newest = await api('GET', url);
    expect(newest.body.messages.map((m: { seq: number }) => m.seq)).toEqual(
      Array.from({ length: 50 }, (_, i) => 2951 + i),
    );
    expect(newest.body.has_more).toBe(true);
    const backward: number[] = [];
    let before: number | undefined;
    for (;;) {
      const page = await api('GET', `${url}?limit=100${before ? `&before=${before}` : ''}`);
      const seqs: number[] = page.body.messages.map((m: { seq: number }) => m.seq);
      expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
      backward.unshift(...seqs);
      if (!page.body.has_more) break;
      before = seqs[0];
    }
    expect(backward).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    const forward: number[] = [];
    let after = 0;
    for (;;) {
      const page = await api('GET', `${url}?limit=77&after=${after}`);
      forward.push(...page.body.messages.map((m: { seq: number }) => m.seq));
      if (!page.body.has_more) break;
      after = forward.at(-1)!;
    }
    expect(forward).toEqual(backward);
    const between = await api('GET', `${url}?after=10&before=15`);
    expect(between.body.messages.map((m: { seq: number }) => m.seq)).toEqual([11, 12, 13, 14]);
    expect((await api('GET', `${url}?before=1`)).body).toEqual({ messages: [], has_more: false });
  });

  it('plans a page as a range scan of the seq index, even without statistics', async () => {
    // PGlite never autovacuums, so its planner has no statistics: with 30,000 rows it once
    // preferred the client_id index and sorted the whole channel for every page.
    const channelId = await newChannel();
    await query(sql`insert into messages (workspace_id, id, channel_id, seq, user_id, text)
      select ${ws.workspace_id}, 'msg_02' || lpad(upper(to_hex(g)), 24, '0'), ${channelId}, g, 'sender-0', 'm'
      from generate_series(1, 30000) g`);
    const plan = await query(sql<{ 'QUERY PLAN': string }>`explain select * from messages
      where workspace_id = ${ws.workspace_id} and channel_id = ${channelId} and seq < 2000
      order by seq desc limit 51`);
    const text = plan.map((row) => row['QUERY PLAN']).join('\n');
    expect(text).toContain('Index Scan Backward using messages_workspace_id_channel_id_seq_key');
    expect(text).not.toMatch(/Sort/);
  });
});
