import type {
  CariosanClient,
  ChannelState,
  ChatState,
  ConnectionState,
  LocalMessage,
} from '@cariosan/client';
import {
  createContext,
  createElement,
  type ReactNode,
  useCallback,
  useContext,
  useEffect,
  useRef,
  useSyncExternalStore,
} from 'react';

const ClientContext = createContext<CariosanClient | null>(null);
const NO_MESSAGES: readonly LocalMessage[] = [];
const NO_USERS: readonly string[] = [];

export interface CariosanProviderProps {
  client: CariosanClient;
  /** Connect on mount (default true); the client keeps reconnecting until it is disconnected. */
  connect?: boolean;
  /** Load the user's channel list once connected (default true). */
  loadChannels?: boolean;
  children?: ReactNode;
}

/**
 * Makes a client available to the hooks below, and connects it.
 *
 * @example
 * <CariosanProvider client={client}><Inbox /></CariosanProvider>
 */
export function CariosanProvider(props: CariosanProviderProps) {
  const { client, connect = true, loadChannels = true } = props;
  useEffect(() => {
    if (!connect) return;
    let live = true;
    client
      .connect()
      .then(() => (live && loadChannels ? client.loadChannels() : undefined))
      .catch(() => undefined);
    return () => {
      live = false;
    };
  }, [client, connect, loadChannels]);
  return createElement(ClientContext.Provider, { value: client }, props.children);
}

/**
 * The client of the nearest CariosanProvider.
 *
 * @example
 * const client = useCariosanClient();
 */
export function useCariosanClient(): CariosanClient {
  const client = useContext(ClientContext);
  if (!client) throw new Error('Cariosan hooks need a <CariosanProvider client={…}> above them');
  return client;
}

/**
 * A slice of the store; the component re-renders only when the slice changes (by identity), so a
 * message in one channel does not re-render components that read another channel.
 */
function useChatState<T>(select: (state: ChatState) => T): T {
  const client = useCariosanClient();
  const getSnapshot = () => select(client.store.getSnapshot());
  return useSyncExternalStore(client.store.subscribe, getSnapshot, getSnapshot);
}

/**
 * `idle`, `connecting`, `connected`, `reconnecting` or `disconnected`.
 *
 * @example
 * const state = useConnectionState();
 * if (state === 'reconnecting') return <Banner>Reconnecting…</Banner>;
 */
export function useConnectionState(): ConnectionState {
  return useChatState((state) => state.connection);
}

/**
 * The user's channels, newest activity first, with unread counts.
 *
 * @example
 * const { channels, totalUnread } = useChannels();
 */
export function useChannels(): { channels: ChannelState[]; totalUnread: number } {
  const cache = useRef<{
    order: ChatState['channelOrder'];
    map: ChatState['channels'];
    total: number;
    value: { channels: ChannelState[]; totalUnread: number };
  } | null>(null);
  return useChatState((state) => {
    const cached = cache.current;
    if (
      cached &&
      cached.order === state.channelOrder &&
      cached.map === state.channels &&
      cached.total === state.totalUnread
    ) {
      return cached.value;
    }
    const channels = state.channelOrder.flatMap((id) => {
      const channel = state.channels[id];
      return channel ? [channel] : [];
    });
    // Same channel objects in the same order: keep the old array, so nothing re-renders.
    if (
      cached &&
      cached.total === state.totalUnread &&
      cached.value.channels.length === channels.length &&
      cached.value.channels.every((channel, index) => channel === channels[index])
    ) {
      cache.current = { ...cached, order: state.channelOrder, map: state.channels };
      return cached.value;
    }
    const value = { channels, totalUnread: state.totalUnread };
    cache.current = {
      order: state.channelOrder,
      map: state.channels,
      total: state.totalUnread,
      value,
    };
    return value;
  });
}

/**
 * One channel, followed (history and live events) while the component is mounted.
 *
 * @example
 * const channel = useChannel('general');
 */
export function useChannel(channelId: string): ChannelState | undefined {
  const client = useCariosanClient();
  useEffect(() => {
    client.watch(channelId).catch(() => undefined);
    return () => client.unwatch(channelId);
  }, [client, channelId]);
  return useChatState((state) => state.channels[channelId]);
}

/**
 * A channel's messages, ascending, live; `loadOlder` pages back.
 *
 * @example
 * const { messages, hasOlder, loadOlder } = useMessages('general');
 */
export function useMessages(channelId: string): {
  messages: readonly LocalMessage[];
  hasOlder: boolean;
  loadOlder: () => Promise<boolean>;
} {
  const client = useCariosanClient();
  const channel = useChannel(channelId);
  const loadOlder = useCallback(() => client.loadOlder(channelId), [client, channelId]);
  return {
    messages: channel?.messages ?? NO_MESSAGES,
    hasOlder: channel?.hasOlder ?? false,
    loadOlder,
  };
}

/**
 * Sends to a channel; the message shows at once and is delivered when the socket is up.
 *
 * @example
 * const send = useSendMessage('general');
 * send('Hello');
 */
export function useSendMessage(channelId: string): (text: string) => LocalMessage {
  const client = useCariosanClient();
  return useCallback(
    (text: string) => client.sendMessage(channelId, { text }),
    [client, channelId],
  );
}

/**
 * Who is typing in a channel, and a throttled `notifyTyping` for the composer's keystrokes.
 *
 * @example
 * const { typing, notifyTyping } = useTyping('general');
 */
export function useTyping(channelId: string): {
  typing: readonly string[];
  notifyTyping: () => void;
} {
  const client = useCariosanClient();
  const typing = useChatState((state) => state.channels[channelId]?.typing ?? NO_USERS);
  const notifyTyping = useCallback(() => client.typing(channelId), [client, channelId]);
  return { typing, notifyTyping };
}

/**
 * Whether a user is online (as far as presence events have told).
 *
 * @example
 * const online = usePresence('alice');
 */
export function usePresence(userId: string): boolean {
  return useChatState((state) => state.presence[userId] ?? false);
}

/**
 * Unread messages in one channel, or in all of them.
 *
 * @example
 * const total = useUnreadCount();
 * const inGeneral = useUnreadCount('general');
 */
export function useUnreadCount(channelId?: string): number {
  return useChatState((state) =>
    channelId === undefined ? state.totalUnread : (state.channels[channelId]?.unreadCount ?? 0),
  );
}
