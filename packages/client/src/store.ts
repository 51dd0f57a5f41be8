import type { Channel, Message } from '@cariosan/protocol';
import type { ChannelState, ChatState, LocalMessage } from './types';

/**
 * An empty channel entry.
 *
 * @example
 * const state = emptyChannel('general');
 */
export function emptyChannel(id: string, channel?: Channel): ChannelState {
  return {
    id,
    channel,
    messages: [],
    hasOlder: (channel?.last_seq ?? 0) > 0,
    lastSeq: channel?.last_seq ?? 0,
    lastReadSeq: 0,
    unreadCount: 0,
    typing: [],
    watching: false,
  };
}

/**
 * Merges server messages into a channel's list: one entry per seq (the newest state wins),
 * ascending, optimistic entries last, and an optimistic entry dropped once the server's message
 * with its `client_id` is in.
 *
 * @example
 * const messages = mergeMessages(channel.messages, page.messages);
 */
export function mergeMessages(
  existing: readonly LocalMessage[],
  incoming: readonly Message[],
): LocalMessage[] {
  if (incoming.length === 0 || incoming.every((message) => holds(existing, message))) {
    return existing as LocalMessage[];
  }
  const sent = existing.filter((message) => message.status === 'sent');
  const pending = existing.filter((message) => message.status !== 'sent');
  const bySeq = new Map<number, LocalMessage>();
  for (const message of sent) bySeq.set(message.seq, message);
  for (const message of incoming) bySeq.set(message.seq, { ...message, status: 'sent' });
  const confirmed = new Set(
    incoming.filter((message) => message.client_id).map((message) => message.client_id),
  );
  const merged = [...bySeq.values()].sort((a, b) => a.seq - b.seq);
  return [...merged, ...pending.filter((message) => !confirmed.has(message.client_id))];
}

/** Whether the list already has this exact server message (nothing to change). */
function holds(existing: readonly LocalMessage[], message: Message): boolean {
  const found = existing.find((entry) => entry.seq === message.seq && entry.status === 'sent');
  if (!found || found.id !== message.id) return false;
  const { status: _status, error: _error, ...server } = found;
  return JSON.stringify(server) === JSON.stringify(message);
}

/** Whether two channel entries hold the same values (so the old object can stay). */
function sameChannel(a: ChannelState, b: ChannelState): boolean {
  for (const key of Object.keys(b) as (keyof ChannelState)[]) {
    if (a[key] === b[key]) continue;
    if (key === 'channel' && JSON.stringify(a.channel) === JSON.stringify(b.channel)) continue;
    return false;
  }
  return true;
}

/**
 * Replaces a message (edit, delete, reaction) wherever it is; the list is unchanged when absent.
 *
 * @example
 * const messages = replaceMessage(channel.messages, event.data.message);
 */
export function replaceMessage(existing: readonly LocalMessage[], message: Message) {
  const index = existing.findIndex((entry) => entry.id === message.id);
  if (index < 0) return existing;
  const next = [...existing];
  next[index] = { ...message, status: 'sent' };
  return next;
}

/**
 * Unread count the way the server counts it: messages after the read position.
 *
 * @example
 * const unread = unreadOf(channel);
 */
export function unreadOf(lastSeq: number, lastReadSeq: number): number {
  return Math.max(0, lastSeq - lastReadSeq);
}

/**
 * Channel ids by newest activity first (last message time, then creation).
 *
 * @example
 * const order = orderChannels(state.channels);
 */
export function orderChannels(channels: Readonly<Record<string, ChannelState>>): string[] {
  const activity = (state: ChannelState) => {
    const newest = state.messages.findLast((message) => message.status === 'sent');
    return (
      newest?.created_at ??
      state.channel?.last_message_at ??
      state.channel?.created_at ??
      '1970-01-01T00:00:00.000Z'
    );
  };
  return Object.values(channels)
    .filter((state) => state.channel !== undefined)
    .sort((a, b) => (activity(a) < activity(b) ? 1 : activity(a) > activity(b) ? -1 : 0))
    .map((state) => state.id);
}

/**
 * Total unread over all channels.
 *
 * @example
 * const total = totalUnread(state.channels);
 */
export function totalUnread(channels: Readonly<Record<string, ChannelState>>): number {
  let total = 0;
  for (const state of Object.values(channels)) total += state.unreadCount;
  return total;
}

/**
 * A tiny external store: immutable snapshots, listeners told once per burst of changes
 * (a replay of 200 messages is one render, not 200).
 *
 * @example
 * const store = new Store(initialState);
 * store.update((state) => ({ ...state, connection: 'connected' }));
 */
export class Store {
  #state: ChatState;
  readonly #listeners = new Set<() => void>();
  #scheduled = false;

  constructor(initial: ChatState) {
    this.#state = initial;
  }

  readonly subscribe = (listener: () => void): (() => void) => {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  };

  readonly getSnapshot = (): ChatState => this.#state;

  update(change: (state: ChatState) => ChatState): void {
    const next = change(this.#state);
    if (next === this.#state) return;
    this.#state = next;
    if (this.#scheduled) return;
    this.#scheduled = true;
    queueMicrotask(() => {
      this.#scheduled = false;
      for (const listener of [...this.#listeners]) listener();
    });
  }

  /** Changes one channel (created empty if unknown); order and totals follow. */
  updateChannel(id: string, change: (channel: ChannelState) => ChannelState): void {
    this.update((state) => {
      const current = state.channels[id] ?? emptyChannel(id);
      const next = change(current);
      if ((next === current || sameChannel(current, next)) && state.channels[id]) return state;
      const channels = { ...state.channels, [id]: next };
      return withDerived(state, channels);
    });
  }

  removeChannel(id: string): void {
    this.update((state) => {
      if (!state.channels[id]) return state;
      const { [id]: _removed, ...channels } = state.channels;
      return withDerived(state, channels);
    });
  }
}

function withDerived(state: ChatState, channels: Record<string, ChannelState>): ChatState {
  const order = orderChannels(channels);
  const same =
    order.length === state.channelOrder.length &&
    order.every((id, index) => id === state.channelOrder[index]);
  return {
    ...state,
    channels,
    channelOrder: same ? state.channelOrder : order,
    totalUnread: totalUnread(channels),
  };
}
