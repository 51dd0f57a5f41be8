import type { ApiKey, ApiSecret, RouteName } from '@cariosan/protocol';
import { assertServerCredentials } from './assert-credentials';
import {
  createRouteCaller,
  type RouteBody,
  type RouteCaller,
  type RouteInput,
  type RoutePathParams,
  type RouteResponse,
} from './call-route';
import { type ChannelsApi, createChannelsApi } from './channels-api';
import { createMessagesApi, type MessagesApi } from './messages-api';
import {
  createRestClient,
  type HttpMethod,
  type RequestOptions,
  type RestClient,
} from './rest-client';
import { type IssueUserTokenOptions, issueUserToken } from './tokens';
import { createUsersApi, createWorkspaceApi, type UsersApi, type WorkspaceApi } from './users-api';
import { createWebhooksApi, type WebhooksApi } from './webhooks-api';

/**
 * Options of {@link Cariosan}.
 *
 * @example
 * const options: CariosanOptions = {
 *   apiKey: process.env.CARIOSAN_API_KEY!,
 *   apiSecret: process.env.CARIOSAN_API_SECRET!,
 * };
 */
export interface CariosanOptions {
  /** The workspace's `pk_live_…`/`pk_test_…` key. */
  apiKey: string;
  /** The workspace's `sk_live_…`/`sk_test_…` secret. Kept private; never logged. */
  apiSecret: string;
  /** Where the Cariosan server listens; defaults to `http://localhost:8080`. */
  baseUrl?: string;
  /** Defaults to the global `fetch`. */
  fetch?: typeof fetch;
  /** Abort a request after this long; defaults to 30 s. */
  timeoutMs?: number;
  /**
   * Check every typed method's response against the protocol schema (throwing
   * `internal_error` on a mismatch). Off by default so a newer server never breaks an older
   * SDK; turn it on in tests.
   */
  validateResponses?: boolean;
}

/** Where `pnpm start` serves a fresh self-hosted server. */
const DEFAULT_BASE_URL = 'http://localhost:8080';

/**
 * The backend SDK: one instance per workspace, created once at startup.
 *
 * @example
 * const cariosan = new Cariosan({
 *   apiKey: process.env.CARIOSAN_API_KEY!,
 *   apiSecret: process.env.CARIOSAN_API_SECRET!,
 *   baseUrl: 'https://chat.example.com',
 * });
 * const token = await cariosan.issueUserToken('alice');
 */
export class Cariosan {
  /** The workspace's api_key; safe to log. */
  readonly apiKey: ApiKey;
  /** Where requests go. */
  readonly baseUrl: string;
  // A private field: invisible to JSON.stringify, util.inspect, Object.keys and spreading.
  readonly #apiSecret: ApiSecret;
  readonly #rest: RestClient;
  readonly #call: RouteCaller;
  /** Users: `upsert`, `get`, `list`, `delete`, `revokeTokens`. */
  readonly users: UsersApi;
  /** Channels: `create`, `list` (with unread counts), `get`, `update`, `delete`, `updateMembers`. */
  readonly channels: ChannelsApi;
  /** Messages: `send`, `list`, `update`, `delete`, `addReaction`, `removeReaction`, `markRead`. */
  readonly messages: MessagesApi;
  /** The workspace of the key pair: `get`. */
  readonly workspace: WorkspaceApi;
  /**
   * Webhook endpoints: `create`, `list`, `get`, `update`, `delete`, `test`, `deliveries`,
   * `redeliver`. Verify deliveries with `verifyWebhook`.
   */
  readonly webhooks: WebhooksApi;

  /**
   * @throws TypeError on a malformed or mismatched key pair (never echoing the secret) or
   * a malformed base URL.
   */
  constructor(options: CariosanOptions) {
    if (typeof options !== 'object' || options === null) {
      throw new TypeError('new Cariosan() needs { apiKey, apiSecret }');
    }
    const { apiKey, apiSecret } = options;
    assertServerCredentials({ apiKey, apiSecret });
    this.apiKey = apiKey;
    this.#apiSecret = apiSecret;
    this.baseUrl = options.baseUrl ?? DEFAULT_BASE_URL;
    this.#rest = createRestClient({
      baseUrl: this.baseUrl,
      apiKey,
      apiSecret,
      ...(options.fetch ? { fetch: options.fetch } : {}),
      ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
    });
    this.#call = createRouteCaller(this.#rest, {
      validateResponses: options.validateResponses ?? false,
    });
    this.users = createUsersApi(this.#call);
    this.channels = createChannelsApi(this.#call);
    this.messages = createMessagesApi(this.#call);
    this.workspace = createWorkspaceApi(this.#call);
    this.webhooks = createWebhooksApi(this.#call);
  }

  /**
   * Issues a JWT for one of the workspace's users, signed locally (no network call).
   * Upsert the user (`PUT /v1/users/:id`) before handing the token out.
   *
   * @throws TypeError on a malformed user id; RangeError on a bad lifetime.
   * @example
   * const token = await cariosan.issueUserToken('alice', { ttlSeconds: 15 * 60 });
   */
  issueUserToken(userId: string, options?: IssueUserTokenOptions): Promise<string> {
    return issueUserToken({ apiKey: this.apiKey, apiSecret: this.#apiSecret }, userId, options);
  }

  /**
   * Calls any REST endpoint with the server key pair, for routes the SDK has no method for.
   *
   * @throws CariosanError on an error response, a network failure or a timeout.
   * @example
   * await cariosan.request('PUT', '/v1/users/alice', { body: { name: 'Alice' } });
   */
  request<T = unknown>(method: HttpMethod, path: string, options?: RequestOptions<T>): Promise<T> {
    return this.#rest.request(method, path, options);
  }

  /**
   * Calls any route of the protocol's `ROUTES` by name, typed by its schemas: what the
   * namespaced methods use, for generic code (retries, batching) over many routes.
   *
   * @throws CariosanError on an error response, a network failure or a timeout.
   * @example
   * const page = await cariosan.callRoute('listMessages', { channel_id: 'general' }, {
   *   query: { limit: 20, user_id: 'alice' },
   * });
   */
  callRoute<N extends RouteName>(
    name: N,
    params: RoutePathParams<N>,
    ...input: [RouteBody<N>] extends [never] ? [input?: RouteInput<N>] : [input: RouteInput<N>]
  ): Promise<RouteResponse<N>> {
    return this.#call(name, params, ...input);
  }

  /**
   * What `JSON.stringify` shows: the public configuration only.
   *
   * @example
   * JSON.stringify(cariosan); // '{"apiKey":"pk_live_…","baseUrl":"http://localhost:8080"}'
   */
  toJSON(): { apiKey: ApiKey; baseUrl: string } {
    return { apiKey: this.apiKey, baseUrl: this.baseUrl };
  }

  /**
   * What `console.log` and `util.inspect` show: the same as {@link Cariosan.toJSON}.
   *
   * @example
   * console.log(cariosan); // Cariosan { apiKey: 'pk_live_…', baseUrl: '…' }
   */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `Cariosan { apiKey: '${this.apiKey}', baseUrl: '${this.baseUrl}' }`;
  }
}
