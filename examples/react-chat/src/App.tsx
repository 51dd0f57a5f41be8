import { type CariosanClient, createClient } from '@cariosan/client';
import {
  CariosanProvider,
  useCariosanClient,
  useChannel,
  useChannels,
  useConnectionState,
  useMessages,
  usePresence,
  useSendMessage,
  useTyping,
  useUnreadCount,
} from '@cariosan/react';
import { type FormEvent, useEffect, useState } from 'react';
import { type Session, signIn } from './session';

export function App() {
  const [chat, setChat] = useState<{ userId: string; client: CariosanClient }>();
  if (!chat) return <SignIn onSignedIn={setChat} />;
  return (
    <CariosanProvider client={chat.client}>
      <Chat userId={chat.userId} />
    </CariosanProvider>
  );
}

function SignIn(props: { onSignedIn(chat: { userId: string; client: CariosanClient }): void }) {
  const [name, setName] = useState(() => sessionStorage.getItem('user') ?? '');
  const [error, setError] = useState<string>();
  async function submit(event: FormEvent) {
    event.preventDefault();
    const userId = name.trim().toLowerCase();
    try {
      const first: Session = await signIn(userId);
      sessionStorage.setItem('user', userId);
      // `?server=` points the app at another Cariosan URL than the backend's (tests use it).
      const url = new URLSearchParams(location.search).get('server') ?? first.url;
      let pending: string | undefined = first.token;
      const client = createClient({
        url,
        // The first token comes with the sign-in; later ones (refresh, reconnect) are fresh.
        tokenProvider: async () => {
          const token = pending ?? (await signIn(userId)).token;
          pending = undefined;
          return token;
        },
      });
      props.onSignedIn({ userId, client });
    } catch (failure) {
      setError(failure instanceof Error ? failure.message : String(failure));
    }
  }
  return (
    <form className="sign-in" onSubmit={submit}>
      <h1>Cariosan chat</h1>
      <label>
        Your name
        <input
          name="user"
          value={name}
          onChange={(event) => setName(event.target.value)}
          placeholder="alice"
          autoComplete="off"
          required
        />
      </label>
      <button type="submit">Sign in</button>
      {error && <p className="error">{error}</p>}
    </form>
  );
}

function Chat(props: { userId: string }) {
  const { channels } = useChannels();
  const client = useCariosanClient();
  const [open, setOpen] = useState<string>();
  const current = open ?? channels[0]?.id;
  // Follow every channel, so unread badges move live.
  useEffect(() => {
    for (const channel of channels) if (!channel.watching) void client.watch(channel.id);
  }, [client, channels]);
  return (
    <div className="chat">
      <aside>
        <header>
          <strong data-testid="me">{props.userId}</strong>
          <ConnectionBadge />
        </header>
        <ul className="channels">
          {channels.map((channel) => (
            <ChannelItem
              key={channel.id}
              channelId={channel.id}
              active={channel.id === current}
              onOpen={() => setOpen(channel.id)}
            />
          ))}
        </ul>
        <TotalUnread />
      </aside>
      {current ? <ChannelView key={current} channelId={current} me={props.userId} /> : <main />}
    </div>
  );
}

function ConnectionBadge() {
  const state = useConnectionState();
  return (
    <span className={`connection ${state}`} data-testid="connection">
      {state}
    </span>
  );
}

function ChannelItem(props: { channelId: string; active: boolean; onOpen(): void }) {
  const channel = useChannel(props.channelId);
  const unread = useUnreadCount(props.channelId);
  return (
    <li data-channel={props.channelId} className={props.active ? 'active' : undefined}>
      <button type="button" onClick={props.onOpen}>
        # {channel?.channel?.name ?? props.channelId}
        {unread > 0 && !props.active && (
          <span className="badge" data-testid="unread">
            {unread}
          </span>
        )}
      </button>
    </li>
  );
}

function TotalUnread() {
  const total = useUnreadCount();
  return <p className="total">{total === 0 ? 'All read' : `${total} unread`}</p>;
}

function ChannelView(props: { channelId: string; me: string }) {
  const client = useCariosanClient();
  const channel = useChannel(props.channelId);
  const { messages, hasOlder, loadOlder } = useMessages(props.channelId);
  const send = useSendMessage(props.channelId);
  const { typing, notifyTyping } = useTyping(props.channelId);
  const connection = useConnectionState();
  const [text, setText] = useState('');
  const lastSeq = channel?.lastSeq ?? 0;
  const lastReadSeq = channel?.lastReadSeq ?? 0;
  // What is on screen is read.
  useEffect(() => {
    if (connection === 'connected' && lastSeq > lastReadSeq) {
      void client.markRead(props.channelId).catch(() => undefined);
    }
  }, [client, props.channelId, connection, lastSeq, lastReadSeq]);
  const people = [...new Set(messages.map((message) => message.user_id))].filter(
    (user): user is string => typeof user === 'string' && user !== props.me,
  );
  function submit(event: FormEvent) {
    event.preventDefault();
    if (text.trim() === '') return;
    send(text);
    setText('');
  }
  return (
    <main>
      <header>
        <h2># {channel?.channel?.name ?? props.channelId}</h2>
        <ul className="people">
          {people.map((user) => (
            <Person key={user} userId={user} />
          ))}
        </ul>
      </header>
      <ol className="messages" data-testid="messages">
        {hasOlder && (
          <li>
            <button type="button" onClick={() => void loadOlder()}>
              Load older
            </button>
          </li>
        )}
        {messages.map((message) => (
          <li
            key={message.client_id ?? message.id}
            data-seq={message.seq}
            data-status={message.status}
            className={message.user_id === props.me ? 'mine' : undefined}
          >
            <span className="author">{message.user_id}</span>
            <span className="text">{message.text}</span>
            {message.status !== 'sent' && <span className="status">{message.status}</span>}
          </li>
        ))}
      </ol>
      <p className="typing" data-testid="typing">
        {typing.length > 0
          ? `${typing.join(', ')} ${typing.length === 1 ? 'is' : 'are'} typing…`
          : ''}
      </p>
      <form className="composer" onSubmit={submit}>
        <input
          name="message"
          value={text}
          onChange={(event) => {
            setText(event.target.value);
            notifyTyping();
          }}
          placeholder={`Message #${props.channelId}`}
          autoComplete="off"
        />
        <button type="submit">Send</button>
      </form>
    </main>
  );
}

function Person(props: { userId: string }) {
  const online = usePresence(props.userId);
  return (
    <li data-person={props.userId} data-online={online}>
      <span className={online ? 'dot online' : 'dot'} /> {props.userId}
    </li>
  );
}
