import type {
  ChannelList,
  ChannelWithMembers,
  Deleted,
  Message,
  MessagePage,
  ReadState,
  TokensRevoked,
  User,
  UserPage,
  Webhook,
  WebhookDelivery,
  WebhookDeliveryPage,
  WebhookTestResult,
  WorkspaceInfo,
} from '@cariosan/protocol';
import { describe, expectTypeOf, it } from 'vitest';
import type { RouteBody, RouteInput, RoutePathParams, RouteQuery } from './call-route';
import type { Cariosan } from './cariosan';

// Checked by `tsc -p tsconfig.json` (and `vitest --typecheck`): these lines never run.
declare const cariosan: Cariosan;

describe('types derived from ROUTES', () => {
  it('answers every method with the response schema of its route', () => {
    expectTypeOf(cariosan.users.upsert).returns.resolves.toEqualTypeOf<User>();
    expectTypeOf(cariosan.users.get).returns.resolves.toEqualTypeOf<User>();
    expectTypeOf(cariosan.users.list).returns.resolves.toEqualTypeOf<UserPage>();
    expectTypeOf(cariosan.users.delete).returns.resolves.toEqualTypeOf<Deleted>();
    expectTypeOf(cariosan.users.revokeTokens).returns.resolves.toEqualTypeOf<TokensRevoked>();
    expectTypeOf(cariosan.channels.create).returns.resolves.toEqualTypeOf<ChannelWithMembers>();
    expectTypeOf(cariosan.channels.list).returns.resolves.toEqualTypeOf<ChannelList>();
    expectTypeOf(cariosan.messages.send).returns.resolves.toEqualTypeOf<Message>();
    expectTypeOf(cariosan.messages.list).returns.resolves.toEqualTypeOf<MessagePage>();
    expectTypeOf(cariosan.messages.addReaction).returns.resolves.toEqualTypeOf<Message>();
    expectTypeOf(cariosan.messages.markRead).returns.resolves.toEqualTypeOf<ReadState>();
    expectTypeOf(cariosan.workspace.get).returns.resolves.toEqualTypeOf<WorkspaceInfo>();
    expectTypeOf(cariosan.webhooks.create).returns.resolves.toEqualTypeOf<Webhook>();
    expectTypeOf(cariosan.webhooks.update).returns.resolves.toEqualTypeOf<Webhook>();
    expectTypeOf(cariosan.webhooks.test).returns.resolves.toEqualTypeOf<WebhookTestResult>();
    expectTypeOf(
      cariosan.webhooks.deliveries,
    ).returns.resolves.toEqualTypeOf<WebhookDeliveryPage>();
    expectTypeOf(cariosan.webhooks.redeliver).returns.resolves.toEqualTypeOf<WebhookDelivery>();
  });

  it('types webhook bodies by their schemas', () => {
    expectTypeOf(cariosan.webhooks.create).toBeCallableWith({
      url: 'https://api.example.com/hooks',
      events: ['message.new'],
    });
    // @ts-expect-error events is required
    void cariosan.webhooks.create({ url: 'https://api.example.com/hooks' });
    // @ts-expect-error typing is socket-only, never a webhook event
    void cariosan.webhooks.create({ url: 'https://x.example', events: ['typing.start'] });
    expectTypeOf(cariosan.webhooks.deliveries).toBeCallableWith('wh_1', { status: 'dead' });
  });

  it('makes messages.send need text or attachments, and reject unknown fields', () => {
    expectTypeOf(cariosan.messages.send).toBeCallableWith('general', { text: 'Hi' });
    expectTypeOf(cariosan.messages.send).toBeCallableWith('general', {
      attachments: [{ url: 'https://example.com/a.png' }],
      user_id: 'alice',
    });
    // @ts-expect-error neither text nor attachments
    void cariosan.messages.send('general', { user_id: 'alice' });
    // @ts-expect-error text must be a string
    void cariosan.messages.send('general', { text: 42 });
    // @ts-expect-error an unknown field
    void cariosan.messages.send('general', { text: 'Hi', txt: 'Hi' });
    expectTypeOf<RouteBody<'sendMessage'>>().toHaveProperty('client_id');
  });

  it('requires the required fields of other bodies', () => {
    // @ts-expect-error seq is required
    void cariosan.messages.markRead('general', { user_id: 'alice' });
    // @ts-expect-error type is required
    void cariosan.channels.create({ members: ['alice'] });
    // @ts-expect-error type is required
    void cariosan.messages.addReaction('general', 'msg_1', {});
    // @ts-expect-error not a channel type
    void cariosan.channels.create({ type: 'room' });
    // @ts-expect-error not a role
    void cariosan.users.upsert('alice', { role: 'owner' });
  });

  it('takes numeric query params as numbers or strings', () => {
    expectTypeOf<RouteQuery<'listMessages'>['before']>().toEqualTypeOf<
      string | number | undefined
    >();
    expectTypeOf<RouteQuery<'listMessages'>['user_id']>().toEqualTypeOf<string | undefined>();
    expectTypeOf(cariosan.messages.list).toBeCallableWith('general', { after: 10, limit: 50 });
    // @ts-expect-error an unknown query param
    void cariosan.channels.list({ unread: true });
  });

  it('types callRoute by route name: path params, required body, response', () => {
    expectTypeOf<RoutePathParams<'removeReaction'>>().toEqualTypeOf<{
      channel_id: string;
      message_id: string;
      type: string;
    }>();
    expectTypeOf<keyof RoutePathParams<'listUsers'>>().toEqualTypeOf<never>();
    expectTypeOf(cariosan.callRoute<'getUser'>).returns.resolves.toEqualTypeOf<User>();
    // @ts-expect-error markRead needs a body
    void cariosan.callRoute('markRead', { channel_id: 'general' });
    // @ts-expect-error a missing path param
    void cariosan.callRoute('getUser', {});
    // @ts-expect-error getUser takes no body
    void cariosan.callRoute('getUser', { user_id: 'alice' }, { body: { name: 'x' } });
    expectTypeOf<RouteInput<'getUser'>>().toHaveProperty('signal');
  });
});
