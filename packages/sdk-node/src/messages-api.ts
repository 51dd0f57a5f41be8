import type { CallOptions, RouteBody, RouteCaller, RouteQuery, RouteResponse } from './call-route';

type SendBody = RouteBody<'sendMessage'>;

/**
 * The body of {@link MessagesApi.send}: the schema's input, plus at type level the rule its
 * `v.check` enforces at run time — a message needs `text` or `attachments`.
 *
 * @example
 * const body: SendMessageInput = { text: 'Hello', client_id: 'c-42', user_id: 'alice' };
 */
export type SendMessageInput = SendBody &
  (Required<Pick<SendBody, 'text'>> | Required<Pick<SendBody, 'attachments'>>);

/**
 * `cariosan.messages`: send, page, edit, delete, react, mark read. A server call names the
 * acting user in `user_id` (body or query).
 *
 * @example
 * await cariosan.messages.send('general', { text: 'Welcome!', user_id: 'bot' });
 */
export interface MessagesApi {
  /**
   * Sends a message. Idempotent on `client_id`: a retry returns the first message.
   *
   * @example
   * const message = await cariosan.messages.send('general', { text: 'Hi', user_id: 'alice', client_id: 'c-1' });
   * message.seq; // 1, 2, 3 … per channel
   */
  send(
    channelId: string,
    body: SendMessageInput,
    options?: CallOptions,
  ): Promise<RouteResponse<'sendMessage'>>;
  /**
   * A page of history in ascending `seq`: the newest by default, `before`/`after` a seq to
   * page backward/forward; `has_more` says whether to go on.
   *
   * @example
   * const { messages, has_more } = await cariosan.messages.list('general', { before: 120, limit: 50 });
   */
  list(
    channelId: string,
    query?: RouteQuery<'listMessages'>,
    options?: CallOptions,
  ): Promise<RouteResponse<'listMessages'>>;
  /**
   * Edits a message (its author only).
   *
   * @example
   * await cariosan.messages.update('general', message.id, { text: 'Hi, fixed', user_id: 'alice' });
   */
  update(
    channelId: string,
    messageId: string,
    body: RouteBody<'updateMessage'>,
    options?: CallOptions,
  ): Promise<RouteResponse<'updateMessage'>>;
  /**
   * Soft-deletes a message (its author only); its seq stays, its text goes.
   *
   * @example
   * await cariosan.messages.delete('general', message.id, { user_id: 'alice' });
   */
  delete(
    channelId: string,
    messageId: string,
    query?: RouteQuery<'deleteMessage'>,
    options?: CallOptions,
  ): Promise<RouteResponse<'deleteMessage'>>;
  /**
   * Adds a reaction (one per user per type); answers the message with its reaction counts.
   *
   * @example
   * await cariosan.messages.addReaction('general', message.id, { type: 'like', user_id: 'bob' });
   */
  addReaction(
    channelId: string,
    messageId: string,
    body: RouteBody<'addReaction'>,
    options?: CallOptions,
  ): Promise<RouteResponse<'addReaction'>>;
  /**
   * @example
   * await cariosan.messages.removeReaction('general', message.id, 'like', { user_id: 'bob' });
   */
  removeReaction(
    channelId: string,
    messageId: string,
    type: string,
    query?: RouteQuery<'removeReaction'>,
    options?: CallOptions,
  ): Promise<RouteResponse<'removeReaction'>>;
  /**
   * Moves the user's read position forward to `seq` (never back).
   *
   * @example
   * const { unread_count } = await cariosan.messages.markRead('general', { seq: 42, user_id: 'alice' });
   */
  markRead(
    channelId: string,
    body: RouteBody<'markRead'>,
    options?: CallOptions,
  ): Promise<RouteResponse<'markRead'>>;
}

/**
 * Builds {@link MessagesApi} over a route caller.
 *
 * @example
 * const messages = createMessagesApi(createRouteCaller(rest));
 */
export function createMessagesApi(call: RouteCaller): MessagesApi {
  const withQuery = <Q>(query: Q | undefined, options: CallOptions | undefined) => ({
    ...options,
    ...(query ? { query } : {}),
  });
  const ids = (channelId: string, messageId: string) => ({
    channel_id: channelId,
    message_id: messageId,
  });
  return {
    send: (channelId, body, options) =>
      call('sendMessage', { channel_id: channelId }, { ...options, body }),
    list: (channelId, query, options) =>
      call('listMessages', { channel_id: channelId }, withQuery(query, options)),
    update: (channelId, messageId, body, options) =>
      call('updateMessage', ids(channelId, messageId), { ...options, body }),
    delete: (channelId, messageId, query, options) =>
      call('deleteMessage', ids(channelId, messageId), withQuery(query, options)),
    addReaction: (channelId, messageId, body, options) =>
      call('addReaction', ids(channelId, messageId), { ...options, body }),
    removeReaction: (channelId, messageId, type, query, options) =>
      call('removeReaction', { ...ids(channelId, messageId), type }, withQuery(query, options)),
    markRead: (channelId, body, options) =>
      call('markRead', { channel_id: channelId }, { ...options, body }),
  };
}
