import { ROUTES, type RouteName, type RouteSpec } from '@cariosan/protocol';
import type * as v from 'valibot';
import type { QueryValue, RestClient } from './rest-client';

type Routes = typeof ROUTES;

/** `'/v1/channels/:channel_id/messages/:message_id'` → `'channel_id' | 'message_id'`. */
type ParamNames<P extends string> = P extends `${string}:${infer Name}/${infer Rest}`
  ? Name | ParamNames<`/${Rest}`>
  : P extends `${string}:${infer Name}`
    ? Name
    : never;

/**
 * The path parameters of a route, by the names in its path (values are URL-encoded for you).
 *
 * @example
 * const params: RoutePathParams<'getUser'> = { user_id: 'alice' };
 */
export type RoutePathParams<N extends RouteName> = {
  [K in ParamNames<Routes[N]['path']>]: string;
};

/**
 * What a route's JSON body accepts: the valibot body schema's input type.
 *
 * @example
 * const body: RouteBody<'markRead'> = { seq: 42 };
 */
export type RouteBody<N extends RouteName> = Routes[N] extends {
  body: infer B extends v.GenericSchema;
}
  ? v.InferInput<B>
  : never;

/**
 * What a route's query accepts: the schema's input (query strings), where a parameter the
 * server reads as a number (`limit`, `before`, `after`) may also be given as a number.
 *
 * @example
 * const query: RouteQuery<'listMessages'> = { before: 120, limit: 50 };
 */
export type RouteQuery<N extends RouteName> = Routes[N] extends {
  query: infer Q extends v.GenericSchema;
}
  ? {
      [K in keyof v.InferInput<Q>]: K extends keyof v.InferOutput<Q>
        ? v.InferOutput<Q>[K] extends number | undefined
          ? v.InferInput<Q>[K] | number
          : v.InferInput<Q>[K]
        : v.InferInput<Q>[K];
    }
  : never;

/**
 * What a route answers: the response schema's output type.
 *
 * @example
 * const message: RouteResponse<'sendMessage'> = await cariosan.messages.send('general', { text: 'Hi' });
 */
export type RouteResponse<N extends RouteName> = v.InferOutput<Routes[N]['response']>;

/**
 * Per-call options of every SDK method.
 *
 * @example
 * await cariosan.users.get('alice', { signal: AbortSignal.timeout(2000) });
 */
export interface CallOptions {
  signal?: AbortSignal;
}

/**
 * The body, query and signal of one {@link RouteCaller} call; `body` is required exactly on
 * routes that take one.
 *
 * @example
 * const input: RouteInput<'sendMessage'> = { body: { text: 'Hi', user_id: 'alice' } };
 */
export type RouteInput<N extends RouteName> = CallOptions &
  ([RouteBody<N>] extends [never] ? { body?: never } : { body: RouteBody<N> }) &
  ([RouteQuery<N>] extends [never] ? { query?: never } : { query?: RouteQuery<N> });

/**
 * Calls any route of `ROUTES` by name, typed end to end by its schemas.
 *
 * @example
 * const page = await call('listMessages', { channel_id: 'general' }, { query: { limit: 20 } });
 */
export type RouteCaller = <N extends RouteName>(
  name: N,
  params: RoutePathParams<N>,
  ...input: [RouteBody<N>] extends [never] ? [input?: RouteInput<N>] : [input: RouteInput<N>]
) => Promise<RouteResponse<N>>;

/**
 * Options of {@link createRouteCaller}.
 *
 * @example
 * const options: RouteCallerOptions = { validateResponses: true };
 */
export interface RouteCallerOptions {
  /**
   * Check every response against the route's schema and throw `internal_error` on a
   * mismatch. Off by default: a newer server may answer with more than this SDK knows, and
   * valibot would strip fields it has not heard of. Useful in tests.
   */
  validateResponses?: boolean;
}

/**
 * Builds a {@link RouteCaller} over a {@link RestClient}: fills the path from `params`
 * (URL-encoding each value), sends `body` as JSON and `query` as a query string.
 *
 * @throws TypeError on an unknown route or a missing path parameter; CariosanError from the call.
 * @example
 * const call = createRouteCaller(createRestClient({ baseUrl, apiKey, apiSecret }));
 * const user = await call('getUser', { user_id: 'alice' });
 */
export function createRouteCaller(rest: RestClient, options: RouteCallerOptions = {}): RouteCaller {
  return (async (name: RouteName, params: Record<string, string>, input: RouteInput<RouteName>) => {
    const route = (ROUTES as Record<string, RouteSpec>)[name];
    if (!route) throw new TypeError(`Unknown route ${String(name)}`);
    const path = route.path.replace(/:([A-Za-z_]+)/g, (_, param: string) => {
      const value = params?.[param];
      if (typeof value !== 'string' || value === '') {
        throw new TypeError(`${name} needs ${param} (a non-empty string)`);
      }
      // URL parsers resolve `.`/`..` segments (also as %2e), so such an id would silently
      // address another route: refuse it instead.
      if (value === '.' || value === '..') {
        throw new TypeError(`${param} cannot be ${value} in a URL path`);
      }
      return encodeURIComponent(value);
    });
    return rest.request(route.method, path, {
      ...(input?.body === undefined ? {} : { body: input.body }),
      ...(input?.query ? { query: input.query as Record<string, QueryValue> } : {}),
      ...(input?.signal ? { signal: input.signal } : {}),
      ...(options.validateResponses ? { schema: route.response } : {}),
    });
  }) as RouteCaller;
}
