import type * as v from 'valibot';
import {
  Channel,
  ChannelList,
  ChannelListItem,
  ChannelMember,
  ChannelType,
  ChannelWithMembers,
  CreateChannelBody,
  MemberRole,
  UpdateChannelBody,
  UpdateMembersBody,
} from './channels';
import { CustomData } from './common';
import { ErrorBody, ErrorCode } from './errors';
import { toComponentSchemas } from './json-schema';
import {
  AddReactionBody,
  MarkReadBody,
  Message,
  MessagePage,
  ReadState,
  SendMessageBody,
  UpdateMessageBody,
} from './messages';
import type { OpenApiParameter } from './openapi';
import { Deleted, PATH_PARAMS, TokensRevoked, WorkspaceInfo } from './routes';
import { UpsertUserBody, User, UserPage, UserRole } from './users';
import {
  CreateWebhookBody,
  UpdateWebhookBody,
  Webhook,
  WebhookDelivery,
  WebhookDeliveryPage,
  WebhookDeliveryStatus,
  WebhookPage,
  WebhookTestResult,
} from './webhooks';

// The fixed parts of the OpenAPI document: named schemas, tags, path parameters and security
// schemes (statuses and headers are in `openapi-responses.ts`). `openapi.ts` assembles them
// with the routes.

/**
 * Reusable schemas, by the name they have in this package (ids are left inline: `ChannelId`
 * is the very same schema as `UserId`, and references are matched by identity).
 *
 * @example
 * COMPONENTS.Message; // → #/components/schemas/Message
 */
export const COMPONENTS = {
  ErrorCode,
  ErrorBody,
  CustomData,
  UserRole,
  User,
  UserPage,
  UpsertUserBody,
  ChannelType,
  MemberRole,
  ChannelMember,
  Channel,
  ChannelWithMembers,
  ChannelListItem,
  ChannelList,
  CreateChannelBody,
  UpdateChannelBody,
  UpdateMembersBody,
  Message,
  MessagePage,
  SendMessageBody,
  UpdateMessageBody,
  AddReactionBody,
  MarkReadBody,
  ReadState,
  Deleted,
  TokensRevoked,
  WorkspaceInfo,
  Webhook,
  WebhookPage,
  CreateWebhookBody,
  UpdateWebhookBody,
  WebhookDeliveryStatus,
  WebhookDelivery,
  WebhookDeliveryPage,
  WebhookTestResult,
} satisfies Record<string, v.GenericSchema>;

/**
 * Operation groups of the document and the reference page.
 *
 * @example
 * TAGS.Messages; // 'Messages, reactions and read positions'
 */
export const TAGS = {
  Workspace: 'Who the caller is',
  Users: 'Users of the workspace, provisioned by your backend',
  Channels: 'Channels, their members and unread counts',
  Messages: 'Messages, reactions and read positions',
  Webhooks: 'Signed, retried deliveries of events to your backend',
} as const;

/**
 * `components.parameters`: one per entry of PATH_PARAMS.
 *
 * @example
 * pathParameters().channel_id.in; // 'path'
 */
export function pathParameters(): Record<string, OpenApiParameter> {
  const schemas = toComponentSchemas(
    PATH_PARAMS as Record<keyof typeof PATH_PARAMS, v.GenericSchema>,
  );
  return Object.fromEntries(
    Object.entries(schemas).map(([name, schema]) => [
      name,
      { name, in: 'path' as const, required: true, schema, description: 'URL-encoded' },
    ]),
  );
}

/**
 * The tag of a route path.
 *
 * @example
 * tagOf('/v1/channels/:channel_id/read'); // 'Messages'
 */
export function tagOf(path: string): keyof typeof TAGS {
  if (/\/(messages|read)(\/|$)/.test(path)) return 'Messages';
  if (path.startsWith('/v1/users')) return 'Users';
  if (path.startsWith('/v1/channels')) return 'Channels';
  if (path.startsWith('/v1/webhooks')) return 'Webhooks';
  return 'Workspace';
}

/**
 * `serverKey`: the backend's key pair; `userToken`: a user JWT.
 *
 * @example
 * const security = [{ serverKey: [] }, { userToken: [] }];
 */
export const SECURITY_SCHEMES = {
  serverKey: {
    type: 'http',
    scheme: 'bearer',
    description: 'Your backend: `Authorization: Bearer <api_key>:<api_secret>`.',
  },
  userToken: {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description: 'A user JWT issued by your backend with `@cariosan/node`.',
  },
} as const;
