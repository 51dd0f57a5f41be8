import type { CallOptions, RouteBody, RouteCaller, RouteQuery, RouteResponse } from './call-route';

/**
 * `cariosan.users`: provision and manage the workspace's users.
 *
 * @example
 * await cariosan.users.upsert('alice', { name: 'Alice', custom: { plan: 'pro' } });
 */
export interface UsersApi {
  /**
   * Creates or updates a user (`PUT /v1/users/:user_id`); omitted fields keep their value.
   *
   * @example
   * const user = await cariosan.users.upsert('alice', { name: 'Alice' });
   */
  upsert(
    userId: string,
    body: RouteBody<'upsertUser'>,
    options?: CallOptions,
  ): Promise<RouteResponse<'upsertUser'>>;
  /**
   * @throws CariosanError `not_found` for an unknown (or deleted) user.
   * @example
   * const user = await cariosan.users.get('alice');
   */
  get(userId: string, options?: CallOptions): Promise<RouteResponse<'getUser'>>;
  /**
   * One page of users; pass `next_cursor` back as `cursor` for the next.
   *
   * @example
   * const { items, next_cursor } = await cariosan.users.list({ limit: 100 });
   */
  list(query?: RouteQuery<'listUsers'>, options?: CallOptions): Promise<RouteResponse<'listUsers'>>;
  /**
   * Deletes a user (their messages stay) and revokes their tokens.
   *
   * @example
   * await cariosan.users.delete('alice');
   */
  delete(userId: string, options?: CallOptions): Promise<RouteResponse<'deleteUser'>>;
  /**
   * Revokes every token of the user issued before now (e.g. on logout everywhere).
   *
   * @example
   * const { tokens_valid_after } = await cariosan.users.revokeTokens('alice');
   */
  revokeTokens(userId: string, options?: CallOptions): Promise<RouteResponse<'revokeUserTokens'>>;
}

/**
 * `cariosan.workspace`: the workspace the key pair belongs to.
 *
 * @example
 * const { workspace_id } = await cariosan.workspace.get();
 */
export interface WorkspaceApi {
  /**
   * Who the caller is; a cheap way to check the key pair and the base URL at startup.
   *
   * @example
   * const info = await cariosan.workspace.get(); // { workspace_id, api_key, caller: { kind: 'server' } }
   */
  get(options?: CallOptions): Promise<RouteResponse<'getWorkspace'>>;
}

/**
 * Builds {@link UsersApi} over a route caller.
 *
 * @example
 * const users = createUsersApi(createRouteCaller(rest));
 */
export function createUsersApi(call: RouteCaller): UsersApi {
  return {
    upsert: (userId, body, options) =>
      call('upsertUser', { user_id: userId }, { ...options, body }),
    get: (userId, options) => call('getUser', { user_id: userId }, options),
    list: (query, options) => call('listUsers', {}, { ...options, ...(query ? { query } : {}) }),
    delete: (userId, options) => call('deleteUser', { user_id: userId }, options),
    revokeTokens: (userId, options) => call('revokeUserTokens', { user_id: userId }, options),
  };
}

/**
 * Builds {@link WorkspaceApi} over a route caller.
 *
 * @example
 * const workspace = createWorkspaceApi(createRouteCaller(rest));
 */
export function createWorkspaceApi(call: RouteCaller): WorkspaceApi {
  return { get: (options) => call('getWorkspace', {}, options) };
}
