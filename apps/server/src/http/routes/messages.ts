import {
  ActingUserQuery,
  AddReactionBody,
  MarkReadBody,
  MessageHistoryQuery,
  SendMessageBody,
  UpdateMessageBody,
} from '@cariosan/protocol';
import { Hono } from 'hono';
import type { Deps } from '../../deps';
import {
  deleteMessage,
  listMessages,
  sendMessage,
  updateMessage,
} from '../../messages/message.service';
import { addReaction, markRead, removeReaction } from '../../messages/reaction-read.service';
import { resolveActor } from '../actor';
import type { AppEnv } from '../app-env';
import { pathParam } from '../params';
import { parseInput, readJson } from '../validate';

/**
 * `/v1/channels/:channel_id/{messages,read}`: send (idempotent on client_id), history, edit,
 * delete, reactions, read position.
 *
 * @example
 * v1.route('/channels/:channel_id', messageRoutes(deps));
 */
export function messageRoutes(deps: Deps): Hono<AppEnv> {
  const routes = new Hono<AppEnv>();
  const db = deps.database.db;

  routes.post('/messages', async (c) => {
    const channelId = pathParam(c, 'channel_id');
    const body = await readJson(c, SendMessageBody);
    const { message, created } = await sendMessage(
      db,
      resolveActor(c.get('auth'), body.user_id),
      channelId,
      body,
    );
    return c.json(message, created ? 201 : 200);
  });
  routes.get('/messages', async (c) => {
    const channelId = pathParam(c, 'channel_id');
    const query = parseInput(MessageHistoryQuery, c.req.query());
    return c.json(
      await listMessages(db, resolveActor(c.get('auth'), query.user_id), channelId, query),
    );
  });
  routes.patch('/messages/:message_id', async (c) => {
    const [channelId, messageId] = [pathParam(c, 'channel_id'), pathParam(c, 'message_id')];
    const body = await readJson(c, UpdateMessageBody);
    return c.json(
      await updateMessage(
        db,
        resolveActor(c.get('auth'), body.user_id),
        channelId,
        messageId,
        body,
      ),
    );
  });
  routes.delete('/messages/:message_id', async (c) => {
    const [channelId, messageId] = [pathParam(c, 'channel_id'), pathParam(c, 'message_id')];
    const query = parseInput(ActingUserQuery, c.req.query());
    return c.json(
      await deleteMessage(db, resolveActor(c.get('auth'), query.user_id), channelId, messageId),
    );
  });
  routes.post('/messages/:message_id/reactions', async (c) => {
    const [channelId, messageId] = [pathParam(c, 'channel_id'), pathParam(c, 'message_id')];
    const body = await readJson(c, AddReactionBody);
    return c.json(
      await addReaction(
        db,
        resolveActor(c.get('auth'), body.user_id),
        channelId,
        messageId,
        body.type,
      ),
    );
  });
  routes.delete('/messages/:message_id/reactions/:type', async (c) => {
    const [channelId, messageId, type] = [
      pathParam(c, 'channel_id'),
      pathParam(c, 'message_id'),
      pathParam(c, 'type'),
    ];
    const query = parseInput(ActingUserQuery, c.req.query());
    return c.json(
      await removeReaction(
        db,
        resolveActor(c.get('auth'), query.user_id),
        channelId,
        messageId,
        type,
      ),
    );
  });
  routes.post('/read', async (c) => {
    const channelId = pathParam(c, 'channel_id');
    const body = await readJson(c, MarkReadBody);
    return c.json(
      await markRead(db, resolveActor(c.get('auth'), body.user_id), channelId, body.seq),
    );
  });
  return routes;
}
