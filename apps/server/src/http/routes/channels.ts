import {
  ActingUserQuery,
  CreateChannelBody,
  ListChannelsQuery,
  UpdateChannelBody,
  UpdateMembersBody,
} from '@cariosan/protocol';
import { Hono } from 'hono';
import {
  createChannel,
  deleteChannel,
  getChannel,
  listChannels,
  updateChannel,
  updateMembers,
} from '../../channels/channel.service';
import type { Deps } from '../../deps';
import { resolveActor } from '../actor';
import type { AppEnv } from '../app-env';
import { pathParam } from '../params';
import { parseInput, readJson } from '../validate';

/**
 * `/v1/channels`: create, list with unread counts, read, update, delete, members.
 *
 * @example
 * v1.route('/channels', channelRoutes(deps));
 */
export function channelRoutes(deps: Deps): Hono<AppEnv> {
  const routes = new Hono<AppEnv>();
  const db = deps.database.db;

  routes.post('/', async (c) => {
    const body = await readJson(c, CreateChannelBody);
    const { result, created } = await createChannel(
      db,
      resolveActor(c.get('auth'), body.user_id),
      body,
    );
    return c.json(result, created ? 201 : 200);
  });
  routes.get('/', async (c) => {
    const query = parseInput(ListChannelsQuery, c.req.query());
    return c.json(await listChannels(db, resolveActor(c.get('auth'), query.user_id), query));
  });
  routes.get('/:channel_id', async (c) => {
    const channelId = pathParam(c, 'channel_id');
    const query = parseInput(ActingUserQuery, c.req.query());
    return c.json(await getChannel(db, resolveActor(c.get('auth'), query.user_id), channelId));
  });
  routes.patch('/:channel_id', async (c) => {
    const channelId = pathParam(c, 'channel_id');
    const body = await readJson(c, UpdateChannelBody);
    return c.json(
      await updateChannel(db, resolveActor(c.get('auth'), body.user_id), channelId, body),
    );
  });
  routes.delete('/:channel_id', async (c) => {
    const channelId = pathParam(c, 'channel_id');
    const query = parseInput(ActingUserQuery, c.req.query());
    return c.json(await deleteChannel(db, resolveActor(c.get('auth'), query.user_id), channelId));
  });
  routes.post('/:channel_id/members', async (c) => {
    const channelId = pathParam(c, 'channel_id');
    const body = await readJson(c, UpdateMembersBody);
    return c.json(
      await updateMembers(db, resolveActor(c.get('auth'), body.user_id), channelId, body),
    );
  });
  return routes;
}
