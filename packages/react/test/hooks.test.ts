import { type CariosanClient, createClient, type WebSocketLike } from '@cariosan/client';
import { Cariosan } from '@cariosan/node';
import { act, cleanup, configure, render, waitFor } from '@testing-library/react';
import { createElement, Profiler, type ReactNode } from 'react';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import WebSocket from 'ws';
import {
  CariosanProvider,
  useChannels,
  useConnectionState,
  useMessages,
  useSendMessage,
  useTyping,
  useUnreadCount,
} from '../src';
import { nodeFetch } from './node-fetch';

// A real server on a busy CI machine: give waitFor 10 s instead of 1 s before it fails.
configure({ asyncUtilTimeout: 10_000 });

const server = inject('cariosan');
let sdk: Cariosan;
const clients: CariosanClient[] = [];

function clientFor(userId: string): CariosanClient {
  const client = createClient({
    url: server.url,
    WebSocket: WebSocket as unknown as WebSocketLike,
    fetch: nodeFetch,
    tokenProvider: () => sdk.issueUserToken(userId),
  });
  clients.push(client);
  return client;
}

function withProvider(client: CariosanClient, children: ReactNode) {
  return createElement(CariosanProvider, { client }, children);
}

beforeAll(async () => {
  sdk = new Cariosan({
    apiKey: server.apiKey,
    apiSecret: server.apiSecret,
    baseUrl: server.url,
    fetch: nodeFetch,
  });
  for (const id of ['alice', 'bob']) await sdk.users.upsert(id, {});
  await sdk.channels.create({ type: 'group', id: 'one', members: ['alice', 'bob'] });
  await sdk.channels.create({ type: 'group', id: 'two', members: ['alice', 'bob'] });
});

afterEach(() => cleanup());

afterAll(async () => {
  for (const client of clients) client.disconnect();
});

// Components under test, at module level as React expects.
function Inbox() {
  const state = useConnectionState();
  const { channels, totalUnread } = useChannels();
  return createElement(
    'div',
    null,
    createElement('p', { 'data-testid': 'state' }, state),
    createElement('p', { 'data-testid': 'total' }, String(totalUnread)),
    ...channels.map((channel) =>
      createElement('li', { key: channel.id }, `${channel.id}:${channel.unreadCount}`),
    ),
  );
}
const renders = { one: 0, two: 0 };
function Messages({ id }: { id: 'one' | 'two' }) {
  const { messages } = useMessages(id);
  return createElement(
    'ul',
    { 'data-testid': id },
    messages.map((message) =>
      createElement(
        'li',
        { key: message.client_id ?? message.id },
        `${message.text}|${message.status}`,
      ),
    ),
  );
}
let send: ((text: string) => unknown) | undefined;
function Composer() {
  send = useSendMessage('one');
  return null;
}
function Watch() {
  const { typing } = useTyping('one');
  const unread = useUnreadCount('one');
  useMessages('one');
  return createElement('p', { 'data-testid': 'typing' }, `${typing.join(',')}/${unread}`);
}

describe('hooks against a real server', () => {
  it('shows the connection state and the channel list with unread counts', async () => {
    await sdk.messages.send('two', { user_id: 'bob', text: 'ping' });
    const view = render(withProvider(clientFor('alice'), createElement(Inbox)));
    await waitFor(() => expect(view.getByTestId('state').textContent).toBe('connected'));
    await waitFor(() => expect(view.getByText('two:1')).toBeTruthy());
    expect(view.getByTestId('total').textContent).toBe('1');
    await sdk.messages.send('one', { user_id: 'bob', text: 'another' });
    await waitFor(() => expect(view.getByTestId('total').textContent).toBe('2'));
    // Newest activity first.
    expect(view.container.querySelectorAll('li')[0]?.textContent).toBe('one:1');
  });

  it('sends, shows live messages, and does not re-render another channel', async () => {
    renders.one = 0;
    renders.two = 0;
    const counted = (id: 'one' | 'two') =>
      createElement(
        Profiler,
        { id, onRender: () => renders[id]++ },
        createElement(Messages, { id }),
      );
    const view = render(
      withProvider(
        clientFor('alice'),
        createElement('div', null, counted('one'), counted('two'), createElement(Composer)),
      ),
    );
    await waitFor(() => expect(view.getByTestId('two').textContent).toContain('ping'));
    const twoBefore = renders.two;
    act(() => {
      send?.('hello from a hook');
    });
    await waitFor(() =>
      expect(view.getByTestId('one').textContent).toContain('hello from a hook|sent'),
    );
    await sdk.messages.send('one', { user_id: 'bob', text: 'reply from bob' });
    await waitFor(() => expect(view.getByTestId('one').textContent).toContain('reply from bob'));
    expect(renders.two).toBe(twoBefore);
  });

  it('shows typing and per-channel unread counts', async () => {
    const alice = clientFor('alice');
    const view = render(withProvider(alice, createElement(Watch)));
    const bob = clientFor('bob');
    await bob.connect();
    await bob.watch('one');
    await waitFor(() => expect(alice.state).toBe('connected'));
    await waitFor(() => expect(alice.store.getSnapshot().channels.one?.watching).toBe(true));
    // Alice's subscription is in place once her store knows the channel.
    await new Promise((resolve) => setTimeout(resolve, 200));
    bob.typing('one');
    await waitFor(() => expect(view.getByTestId('typing').textContent).toMatch(/^bob\//));
  });
});
