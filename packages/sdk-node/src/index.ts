export * from '@cariosan/protocol';
export { assertApiKey, assertApiSecret, assertServerCredentials } from './assert-credentials';
export {
  type CallOptions,
  createRouteCaller,
  type RouteBody,
  type RouteCaller,
  type RouteCallerOptions,
  type RouteInput,
  type RoutePathParams,
  type RouteQuery,
  type RouteResponse,
} from './call-route';
export { Cariosan, type CariosanOptions } from './cariosan';
export { type ChannelsApi, createChannelsApi } from './channels-api';
export { CariosanError, type CariosanErrorOptions, isCariosanError } from './errors';
export { deriveUserTokenKeys, deriveWebhookSigningKey, type UserTokenKeys } from './keys';
export { createMessagesApi, type MessagesApi, type SendMessageInput } from './messages-api';
export {
  createRestClient,
  type HttpMethod,
  type QueryValue,
  type RequestOptions,
  type RestClient,
  type RestClientOptions,
} from './rest-client';
export {
  type IssueUserTokenOptions,
  issueUserToken,
  resolveTtlSeconds,
  USER_TOKEN_TTL_ENV,
} from './tokens';
export { createUsersApi, createWorkspaceApi, type UsersApi, type WorkspaceApi } from './users-api';
export {
  standardWebhooksSecret,
  type VerifyWebhookOptions,
  verifyWebhook,
  type WebhookHeaders,
  type WebhookVerificationCode,
  WebhookVerificationError,
} from './webhooks';
export { createWebhooksApi, type WebhooksApi } from './webhooks-api';
