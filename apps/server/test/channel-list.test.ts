import { Cariosan } from '@cariosan/node';
import { ROUTES } from '@cariosan/protocol';
import { sql } from 'kysely';
import { ulid } from 'ulidx';
import * as v from 'valibot';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withWorkspace } from '../src/db/scope';
import type { RevealedCredentials } from '../src/workspaces/workspace.service';
import { apiAs, serverApi } from './support/api';
import { createTestServer, type TestServer } from './support/test-server';

let server: TestServer;
let ws: RevealedCredentials;
let api: ReturnType<typeof serverApi>;
let sdk: Cariosan;
let lina: ReturnType<typeof apiAs>;
let lars: ReturnType<typeof apiAs>;
/** Lina's channels: g1 (2 unread), g2 (her own last message), p3 (no messages), d4 (1 unread). */
const ids = { g1: '', g2: '', p3: '', d4: '' };
const base = Date.parse('2030-01-01T00:00:00.000Z');

const inWorkspace = <T>(fn: Parameters<typeof withWorkspace<T>>[2]) =>
  withWorkspace(server.deps.database.db, ws.workspace_id, fn);

/** A message written the way the messages service does: next seq, activity time, sender read. */
async function post(channelId: string, userId: string, text: string, secondsAfterBase: number) {
  await inWorkspace(async (trx) => {
    const w = ws.workspace_id;
    const at = new Date(base + secondsAfterBase * 1000);
    const { rows } = await sql<{ last_seq: string }>`update channels
      set last_seq = last_seq + 1, last_message_at = ${at}
      where workspace_id = ${w} and id = ${channelId} returning last_seq`.execute(trx);
    const seq = Number(rows[0]!.last_seq);
    await sql`insert into messages (workspace_id, id, channel_id, seq, user_id, text, created_at)
      values (${w}, ${`msg_${ulid()}`}, ${channelId}, ${seq}, ${userId}, ${text}, ${at})`.execute(
      trx,
    );
    await sql`update channel_members set last_read_seq = ${seq}
      where workspace_id = ${w} and channel_id = ${channelId} and user_id = ${userId}`.execute(trx);
  });
}

beforeAll(async () => {
  server = await createTestServer();
  ws = await server.createWorkspace();
  api = serverApi(server, ws);
  sdk = new Cariosan({ apiKey: ws.api_key, apiSecret: ws.api_secret });
  for (const id of ['lina', 'lars', 'lou', 'tia']) await api('PUT', `/v1/users/${id}`, {});
  lina = apiAs(server, `Bearer ${await sdk.issueUserToken('lina')}`);
  lars = apiAs(server, `Bearer ${await sdk.issueUserToken('lars')}`);
  const create = async (body: object) => (await lina('POST', '/v1/channels', body)).body.channel.id;
  ids.g1 = await create({ type: 'group', name: 'g1', members: ['lars'] });
  ids.g2 = await create({ type: 'group', name: 'g2', members: ['lars'] });
  ids.p3 = await create({ type: 'public', name: 'p3', members: [] });
  ids.d4 = await create({ type: 'dm', members: ['lou'] });
  await post(ids.g1, 'lars', 'first', 1);
  await post(ids.g1, 'lars', 'second', 2);
  await post(ids.d4, 'lou', 'psst', 3);
  await post(ids.g2, 'lina', 'mine', 4);
});
afterAll(async () => {
  await server?.close();
});

type Item = {
  channel: { id: string };
  unread_count: number;
  last_read_seq: number;
  last_message: { text: string; seq: number } | null;
};
const channelIds = (items: Item[]) => items.map((item) => item.channel.id);

async function walk(caller: ReturnType<typeof apiAs>, query: string) {
  const seen: Item[] = [];
  const totals = new Set<number>();
  let cursor: string | null = null;
  do {
    const suffix: string = cursor ? `&cursor=${cursor}` : '';
    const page = await caller('GET', `/v1/channels?${query}${suffix}`);
    expect(page.status).toBe(200);
    expect(v.is(ROUTES.listChannels.response, page.body)).toBe(true);
    seen.push(...page.body.items);
    totals.add(page.body.total_unread_count);
    cursor = page.body.next_cursor;
  } while (cursor);
  return { seen, totals };
}

describe('the channel list', () => {
  it('orders by newest message, channels without messages last, with unread counts', async () => {
    const list = await lina('GET', '/v1/channels');
    expect(list.status).toBe(200);
    expect(v.is(ROUTES.listChannels.response, list.body)).toBe(true);
    expect(channelIds(list.body.items)).toEqual([ids.g2, ids.d4, ids.g1, ids.p3]);
    const byId = Object.fromEntries(list.body.items.map((i: Item) => [i.channel.id, i]));
    expect(byId[ids.g1]).toMatchObject({ unread_count: 2, last_read_seq: 0 });
    expect(byId[ids.g1].last_message).toMatchObject({ text: 'second', seq: 2, user_id: 'lars' });
    expect(byId[ids.g2]).toMatchObject({ unread_count: 0, last_read_seq: 1 });
    expect(byId[ids.d4]).toMatchObject({ unread_count: 1, last_message: { text: 'psst' } });
    expect(byId[ids.p3]).toMatchObject({ unread_count: 0, last_message: null });
    expect(list.body.total_unread_count).toBe(3);
    expect(list.body.next_cursor).toBeNull();
  });

  it('pages with a cursor, keeping the total over all channels on every page', async () => {
    const { seen, totals } = await walk(lina, 'limit=1');
    expect(channelIds(seen)).toEqual([ids.g2, ids.d4, ids.g1, ids.p3]);
    expect([...totals]).toEqual([3]);
    const twos = await lina('GET', '/v1/channels?limit=2');
    expect(twos.body.items).toHaveLength(2);
    expect(twos.body.next_cursor).not.toBeNull();
  });

  it("is each user's own view", async () => {
    const list = await lars('GET', '/v1/channels');
    expect(channelIds(list.body.items)).toEqual([ids.g2, ids.g1]);
    expect(list.body.items.map((i: Item) => i.unread_count)).toEqual([1, 0]);
    expect(list.body.total_unread_count).toBe(1);
    expect((await lars('GET', '/v1/channels?user_id=lina')).status).toBe(403);
  });

  it("gives the server a user's view with user_id, or every channel with no counts", async () => {
    const asLina = await api('GET', '/v1/channels?user_id=lina');
    expect(asLina.body).toEqual((await lina('GET', '/v1/channels')).body);
    const all = await api('GET', '/v1/channels?limit=100');
    expect(channelIds(all.body.items)).toEqual([ids.g2, ids.d4, ids.g1, ids.p3]);
    expect(all.body.items.every((i: Item) => i.unread_count === 0)).toBe(true);
    expect(all.body.total_unread_count).toBe(0);
    expect((await api('GET', '/v1/channels?user_id=nobody')).status).toBe(404);
  });

  it('never counts below zero and follows the read position', async () => {
    await inWorkspace((trx) =>
      sql`update channel_members set last_read_seq = 99 where workspace_id = ${ws.workspace_id}
        and channel_id = ${ids.d4} and user_id = 'lina'`.execute(trx),
    );
    const list = await lina('GET', '/v1/channels');
    const dm = list.body.items.find((i: Item) => i.channel.id === ids.d4);
    expect(dm.unread_count).toBe(0);
    expect(list.body.total_unread_count).toBe(2);
    await inWorkspace((trx) =>
      sql`update channel_members set last_read_seq = 0 where workspace_id = ${ws.workspace_id}
        and channel_id = ${ids.d4} and user_id = 'lina'`.execute(trx),
    );
  });

  it('shows a deleted last message as deleted', async () => {
    await post(ids.p3, 'lina', 'oops', 0);
    await inWorkspace((trx) =>
      sql`update messages set deleted_at = now() where workspace_id = ${ws.workspace_id}
        and channel_id = ${ids.p3}`.execute(trx),
    );
    const list = await lina('GET', '/v1/channels');
    const item = list.body.items.find((i: Item) => i.channel.id === ids.p3);
    expect(item.last_message).toMatchObject({ text: '', seq: 1 });
    expect(item.last_message.deleted_at).not.toBeNull();
    expect(channelIds(list.body.items).at(-1)).toBe(ids.p3);
  });

  it('pages through ties in activity time exactly once each', async () => {
    await inWorkspace(async (trx) => {
      const w = ws.workspace_id;
      const at = '2031-01-01T00:00:00.123456Z';
      for (const id of ['tie-a', 'tie-b', 'tie-c', 'tie-d']) {
        await sql`insert into channels (workspace_id, id, type, created_at)
          values (${w}, ${id}, 'group', ${at})`.execute(trx);
        await sql`insert into channel_members (workspace_id, channel_id, user_id)
          values (${w}, ${id}, 'tia')`.execute(trx);
      }
      // Microseconds apart: a cursor rounded to milliseconds would skip or repeat these.
      const ties: { id: string; micros: string }[] = [
        { id: 'tie-e', micros: '124' },
        { id: 'tie-f', micros: '123457' },
      ];
      for (const { id, micros } of ties) {
        await sql`insert into channels (workspace_id, id, type, created_at)
          values (${w}, ${id}, 'group', ${`2031-01-01T00:00:00.${micros.padStart(6, '0')}Z`})`.execute(
          trx,
        );
        await sql`insert into channel_members (workspace_id, channel_id, user_id)
          values (${w}, ${id}, 'tia')`.execute(trx);
      }
    });
    const tia = apiAs(server, `Bearer ${await sdk.issueUserToken('tia')}`);
    const { seen } = await walk(tia, 'limit=1');
    expect(channelIds(seen)).toEqual(['tie-f', 'tie-d', 'tie-c', 'tie-b', 'tie-a', 'tie-e']);
  });

  it('refuses a cursor it did not make', async () => {
    for (const cursor of ['garbage', Buffer.from('["x","y","z"]').toString('base64url')]) {
      const response = await lina('GET', `/v1/channels?cursor=${cursor}`);
      expect(response.status).toBe(400);
      expect(response.body.error.field).toBe('cursor');
    }
  });
});
