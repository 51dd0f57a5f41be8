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
import { COMPONENT_REF_PREFIX, toComponentSchemas } from './json-schema';
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
import { Deleted, PATH_PARAMS, type RouteSpec, TokensRevoked, WorkspaceInfo } from './routes';
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

// The fixed parts of the OpenAPI document: named schemas, tags, path parameters, errors and
// security schemes. `openapi.ts` assembles them with the routes.

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
 * The standard error responses: status → [component name, description].
 *
 * @example
 * ERRORS[429][0]; // 'RateLimited'
 */
export const ERRORS = {
  400: ['BadRequest', 'Invalid input; `field` names the failing field'],
  401: ['Unauthorized', 'Missing, malformed, expired or revoked credentials'],
  403: ['Forbidden', 'Authenticated, but not allowed to do this'],
  404: ['NotFound', 'No such resource in this workspace (also for ids of other workspaces)'],
  409: ['Conflict', 'Conflicts with the current state'],
  413: ['PayloadTooLarge', 'Body over the size limit'],
  429: ['RateLimited', 'Too many requests for this workspace; retry after `Retry-After` seconds'],
} as const;

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
 * `components.responses`: ErrorBody answers, 429 with `Retry-After`.
 *
 * @example
 * errorResponses().NotFound; // { description, content: { 'application/json': … } }
 */
export function errorResponses(): Record<string, unknown> {
  const body = { 'application/json': { schema: { $ref: `${COMPONENT_REF_PREFIX}ErrorBody` } } };
  return Object.fromEntries(
    Object.entries(ERRORS).map(([status, [name, description]]) => [
      name,
      {
        description,
        content: body,
        ...(status === '429'
          ? {
              headers: {
                'Retry-After': {
                  description: 'Seconds to wait before retrying',
                  schema: { type: 'integer', minimum: 0 },
                },
              },
            }
          : {}),
      },
    ]),
  );
}

/**
 * The error responses a route can give, as `$ref`s.
 *
 * @example
 * errorResponsesOf(ROUTES.getUser)['404']; // { $ref: '#/components/responses/NotFound' }
 */
export function errorResponsesOf(route: RouteSpec): Record<string, { $ref: string }> {
  const statuses = (Object.keys(ERRORS).map(Number) as (keyof typeof ERRORS)[]).filter(
    // Only a body can be too large; only writes can conflict.
    (status) => (status !== 413 || route.body) && (status !== 409 || route.method !== 'GET'),
  );
  return Object.fromEntries(
    statuses.map((status) => [status, { $ref: `#/components/responses/${ERRORS[status][0]}` }]),
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
