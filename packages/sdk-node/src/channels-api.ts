import type { CallOptions, RouteBody, RouteCaller, RouteQuery, RouteResponse } from './call-route';

/**
 * `cariosan.channels`: create channels, list a user's channels with unread counts, manage
 * members. A server call acts as nobody unless it names a `user_id` (in the body or query).
 *
 * @example
 * const { channel } = await cariosan.channels.create({ type: 'group', name: 'Design', members: ['alice', 'bob'] });
 */
export interface ChannelsApi {
  /**
   * Creates a channel; a `dm` between the same two users is returned, not created twice.
   *
   * @example
   * const { channel, members } = await cariosan.channels.create({ type: 'dm', members: ['alice', 'bob'] });
   */
  create(
    body: RouteBody<'createChannel'>,
    options?: CallOptions,
  ): Promise<RouteResponse<'createChannel'>>;
  /**
   * A user's channels, newest activity first, with unread counts.
   *
   * @example
   * const { items, total_unread_count } = await cariosan.channels.list({ user_id: 'alice' });
   */
  list(
    query?: RouteQuery<'listChannels'>,
    options?: CallOptions,
  ): Promise<RouteResponse<'listChannels'>>;
  /**
   * A channel and its members.
   *
   * @example
   * const { channel, members } = await cariosan.channels.get('general');
   */
  get(
    channelId: string,
    query?: RouteQuery<'getChannel'>,
    options?: CallOptions,
  ): Promise<RouteResponse<'getChannel'>>;
  /**
   * @example
   * await cariosan.channels.update('general', { name: 'General chat' });
   */
  update(
    channelId: string,
    body: RouteBody<'updateChannel'>,
    options?: CallOptions,
  ): Promise<RouteResponse<'updateChannel'>>;
  /**
   * Deletes a channel and its messages.
   *
   * @example
   * await cariosan.channels.delete('general');
   */
  delete(
    channelId: string,
    query?: RouteQuery<'deleteChannel'>,
    options?: CallOptions,
  ): Promise<RouteResponse<'deleteChannel'>>;
  /**
   * Adds and removes members in one call.
   *
   * @example
   * await cariosan.channels.updateMembers('design', { add: ['carol'], remove: ['dave'] });
   */
  updateMembers(
    channelId: string,
    body: RouteBody<'updateMembers'>,
    options?: CallOptions,
  ): Promise<RouteResponse<'updateMembers'>>;
}

/**
 * Builds {@link ChannelsApi} over a route caller.
 *
 * @example
 * const channels = createChannelsApi(createRouteCaller(rest));
 */
export function createChannelsApi(call: RouteCaller): ChannelsApi {
  const withQuery = <Q>(query: Q | undefined, options: CallOptions | undefined) => ({
    ...options,
    ...(query ? { query } : {}),
  });
  return {
    create: (body, options) => call('createChannel', {}, { ...options, body }),
    list: (query, options) => call('listChannels', {}, withQuery(query, options)),
    get: (channelId, query, options) =>
      call('getChannel', { channel_id: channelId }, withQuery(query, options)),
    update: (channelId, body, options) =>
      call('updateChannel', { channel_id: channelId }, { ...options, body }),
    delete: (channelId, query, options) =>
      call('deleteChannel', { channel_id: channelId }, withQuery(query, options)),
    updateMembers: (channelId, body, options) =>
      call('updateMembers', { channel_id: channelId }, { ...options, body }),
  };
}
