import * as v from 'valibot';
import {
  ActingUserQuery,
  ChannelList,
  ChannelWithMembers,
  CreateChannelBody,
  ListChannelsQuery,
  UpdateChannelBody,
  UpdateMembersBody,
} from './channels';
import { Timestamp } from './common';
import { ChannelId, MessageId, UserId, WorkspaceId } from './ids';
import {
  AddReactionBody,
  MarkReadBody,
  Message,
  MessageHistoryQuery,
  MessagePage,
  ReactionType,
  ReadState,
  SendMessageBody,
  UpdateMessageBody,
} from './messages';
import { ListUsersQuery, UpsertUserBody, User, UserPage } from './users';
import {
  CreateWebhookBody,
  ListWebhookDeliveriesQuery,
  ListWebhooksQuery,
  UpdateWebhookBody,
  Webhook,
  WebhookDelivery,
  WebhookDeliveryId,
  WebhookDeliveryPage,
  WebhookId,
  WebhookPage,
  WebhookTestResult,
} from './webhooks';

/** `DELETE` answers: what was deleted. */
export const Deleted = v.object({ id: v.string(), deleted: v.literal(true) });
export type Deleted = v.InferOutput<typeof Deleted>;

/** `POST /v1/users/:user_id/revoke-tokens` answer. */
export const TokensRevoked = v.object({ user_id: UserId, tokens_valid_after: Timestamp });
export type TokensRevoked = v.InferOutput<typeof TokensRevoked>;

/** `GET /v1/workspace` answer: who the caller is. */
export const WorkspaceInfo = v.object({
  workspace_id: WorkspaceId,
  api_key: v.string(),
  caller: v.variant('kind', [
    v.object({ kind: v.literal('server') }),
    v.object({ kind: v.literal('user'), user_id: UserId }),
  ]),
});
export type WorkspaceInfo = v.InferOutput<typeof WorkspaceInfo>;

/** Path parameters and their schemas. */
export const PATH_PARAMS = {
  user_id: UserId,
  channel_id: ChannelId,
  message_id: MessageId,
  type: ReactionType,
  webhook_id: WebhookId,
  delivery_id: WebhookDeliveryId,
} as const;

/** Who may call a route: the server key pair only, or also a user JWT. */
export type RouteAuth = 'server' | 'any';

/** A status a route answers with its `response` body. */
export type SuccessStatus = 200 | 201;

/** One REST route: the single description the server, the SDK, OpenAPI and the tests share. */
export interface RouteSpec {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** With `:param` segments named in PATH_PARAMS. */
  path: string;
  operationId: string;
  summary: string;
  auth: RouteAuth;
  query?: v.GenericSchema;
  body?: v.GenericSchema;
  response: v.GenericSchema;
  /** Success status of a first call (201 when it creates something). */
  status: SuccessStatus;
  /**
   * The route's other success statuses, each with when it is sent: a call that finds what an
   * earlier one made answers it with 200 rather than 201. Same `response` body.
   *
   * @example
   * { status: 201, alsoStatus: { 200: 'The user existed and was updated' } }
   */
  alsoStatus?: Readonly<Partial<Record<SuccessStatus, string>>>;
}

const route = <const R extends RouteSpec>(spec: R) => spec;

/**
 * Every `/v1` route of SPEC §4.
 *
 * @example
 * for (const r of Object.values(ROUTES)) console.log(r.method, r.path);
 */
export const ROUTES = {
  getWorkspace: route({
    method: 'GET',
    path: '/v1/workspace',
    operationId: 'getWorkspace',
    summary: 'Who the caller is',
    auth: 'any',
    response: WorkspaceInfo,
    status: 200,
  }),
  upsertUser: route({
    method: 'PUT',
    path: '/v1/users/:user_id',
    operationId: 'upsertUser',
    summary: 'Create or update a user',
    auth: 'server',
    body: UpsertUserBody,
    response: User,
    status: 201,
    alsoStatus: { 200: 'The user existed (or was deleted and is revived): updated' },
  }),
  getUser: route({
    method: 'GET',
    path: '/v1/users/:user_id',
    operationId: 'getUser',
    summary: 'Get a user',
    auth: 'any',
    response: User,
    status: 200,
  }),
  listUsers: route({
    method: 'GET',
    path: '/v1/users',
    operationId: 'listUsers',
    summary: 'List users',
    auth: 'server',
    query: ListUsersQuery,
    response: UserPage,
    status: 200,
  }),
  deleteUser: route({
    method: 'DELETE',
    path: '/v1/users/:user_id',
    operationId: 'deleteUser',
    summary: 'Delete a user (their messages stay) and revoke their tokens',
    auth: 'server',
    response: Deleted,
    status: 200,
  }),
  revokeUserTokens: route({
    method: 'POST',
    path: '/v1/users/:user_id/revoke-tokens',
    operationId: 'revokeUserTokens',
    summary: 'Revoke every token of a user issued before now',
    auth: 'server',
    response: TokensRevoked,
    status: 200,
  }),
  createChannel: route({
    method: 'POST',
    path: '/v1/channels',
    operationId: 'createChannel',
    summary: 'Create a channel (a dm between the same pair is returned, not duplicated)',
    auth: 'any',
    body: CreateChannelBody,
    response: ChannelWithMembers,
    status: 201,
    alsoStatus: { 200: 'A dm between the same two users exists: that channel' },
  }),
  listChannels: route({
    method: 'GET',
    path: '/v1/channels',
    operationId: 'listChannels',
    summary: "The caller's channels, newest activity first, with unread counts",
    auth: 'any',
    query: ListChannelsQuery,
    response: ChannelList,
    status: 200,
  }),
  getChannel: route({
    method: 'GET',
    path: '/v1/channels/:channel_id',
    operationId: 'getChannel',
    summary: 'Get a channel and its members',
    auth: 'any',
    query: ActingUserQuery,
    response: ChannelWithMembers,
    status: 200,
  }),
  updateChannel: route({
    method: 'PATCH',
    path: '/v1/channels/:channel_id',
    operationId: 'updateChannel',
    summary: 'Update a channel',
    auth: 'any',
    body: UpdateChannelBody,
    response: ChannelWithMembers,
    status: 200,
  }),
  deleteChannel: route({
    method: 'DELETE',
    path: '/v1/channels/:channel_id',
    operationId: 'deleteChannel',
    summary: 'Delete a channel and its messages',
    auth: 'any',
    query: ActingUserQuery,
    response: Deleted,
    status: 200,
  }),
  updateMembers: route({
    method: 'POST',
    path: '/v1/channels/:channel_id/members',
    operationId: 'updateMembers',
    summary: 'Add or remove members',
    auth: 'any',
    body: UpdateMembersBody,
    response: ChannelWithMembers,
    status: 200,
  }),
  sendMessage: route({
    method: 'POST',
    path: '/v1/channels/:channel_id/messages',
    operationId: 'sendMessage',
    summary: 'Send a message (idempotent on client_id)',
    auth: 'any',
    body: SendMessageBody,
    response: Message,
    status: 201,
    alsoStatus: { 200: 'This author already sent this `client_id` here: the first message' },
  }),
  listMessages: route({
    method: 'GET',
    path: '/v1/channels/:channel_id/messages',
    operationId: 'listMessages',
    summary: 'Message history by seq',
    auth: 'any',
    query: MessageHistoryQuery,
    response: MessagePage,
    status: 200,
  }),
  updateMessage: route({
    method: 'PATCH',
    path: '/v1/channels/:channel_id/messages/:message_id',
    operationId: 'updateMessage',
    summary: 'Edit a message (author only)',
    auth: 'any',
    body: UpdateMessageBody,
    response: Message,
    status: 200,
  }),
  deleteMessage: route({
    method: 'DELETE',
    path: '/v1/channels/:channel_id/messages/:message_id',
    operationId: 'deleteMessage',
    summary: 'Soft-delete a message (author only); its seq stays',
    auth: 'any',
    query: ActingUserQuery,
    response: Message,
    status: 200,
  }),
  addReaction: route({
    method: 'POST',
    path: '/v1/channels/:channel_id/messages/:message_id/reactions',
    operationId: 'addReaction',
    summary: 'React to a message (one per user per type)',
    auth: 'any',
    body: AddReactionBody,
    response: Message,
    status: 200,
  }),
  removeReaction: route({
    method: 'DELETE',
    path: '/v1/channels/:channel_id/messages/:message_id/reactions/:type',
    operationId: 'removeReaction',
    summary: 'Remove a reaction',
    auth: 'any',
    query: ActingUserQuery,
    response: Message,
    status: 200,
  }),
  markRead: route({
    method: 'POST',
    path: '/v1/channels/:channel_id/read',
    operationId: 'markRead',
    summary: 'Move the read position forward',
    auth: 'any',
    body: MarkReadBody,
    response: ReadState,
    status: 200,
  }),
  createWebhook: route({
    method: 'POST',
    path: '/v1/webhooks',
    operationId: 'createWebhook',
    summary: 'Create a webhook endpoint for some event types',
    auth: 'server',
    body: CreateWebhookBody,
    response: Webhook,
    status: 201,
  }),
  listWebhooks: route({
    method: 'GET',
    path: '/v1/webhooks',
    operationId: 'listWebhooks',
    summary: 'List webhook endpoints',
    auth: 'server',
    query: ListWebhooksQuery,
    response: WebhookPage,
    status: 200,
  }),
  getWebhook: route({
    method: 'GET',
    path: '/v1/webhooks/:webhook_id',
    operationId: 'getWebhook',
    summary: 'Get a webhook endpoint (with why it was disabled, if it was)',
    auth: 'server',
    response: Webhook,
    status: 200,
  }),
  updateWebhook: route({
    method: 'PATCH',
    path: '/v1/webhooks/:webhook_id',
    operationId: 'updateWebhook',
    summary: 'Change the URL or events of an endpoint, or disable and re-enable it',
    auth: 'server',
    body: UpdateWebhookBody,
    response: Webhook,
    status: 200,
  }),
  deleteWebhook: route({
    method: 'DELETE',
    path: '/v1/webhooks/:webhook_id',
    operationId: 'deleteWebhook',
    summary: 'Delete a webhook endpoint and its delivery log',
    auth: 'server',
    response: Deleted,
    status: 200,
  }),
  testWebhook: route({
    method: 'POST',
    path: '/v1/webhooks/:webhook_id/test',
    operationId: 'testWebhook',
    summary: 'Send a signed webhook.test event now and report the answer',
    auth: 'server',
    response: WebhookTestResult,
    status: 200,
  }),
  listWebhookDeliveries: route({
    method: 'GET',
    path: '/v1/webhooks/:webhook_id/deliveries',
    operationId: 'listWebhookDeliveries',
    summary: 'The delivery log of an endpoint, newest first',
    auth: 'server',
    query: ListWebhookDeliveriesQuery,
    response: WebhookDeliveryPage,
    status: 200,
  }),
  redeliverWebhookDelivery: route({
    method: 'POST',
    path: '/v1/webhooks/:webhook_id/deliveries/:delivery_id/redeliver',
    operationId: 'redeliverWebhookDelivery',
    summary: 'Deliver an event again (with a fresh retry window)',
    auth: 'server',
    response: WebhookDelivery,
    status: 200,
  }),
} as const;

export type RouteName = keyof typeof ROUTES;
