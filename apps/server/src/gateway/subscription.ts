import type { Message } from '@cariosan/protocol';
import { REPLAY_PAGE } from './replay';

/** Where a subscription writes frames: its connection. */
export interface FrameSink {
  /** Queues one frame; false once the socket is closing (stop work for it). */
  push(frame: Buffer): boolean;
  /** Closes the socket as too slow: its backlog grew past any bound. */
  closeSlow(): void;
}

interface Pending {
  frame: Buffer;
  seq: number | null;
}

/** Events held while catching up before the socket counts as a slow consumer. */
const MAX_PENDING = 10_000;

/**
 * Builds the `event` frame of a message as history knows it (replays carry no event id).
 *
 * @example
 * sink.push(messageFrame('general', message));
 */
export function messageFrame(channelId: string, message: Message): Buffer {
  return Buffer.from(
    JSON.stringify({
      type: 'event',
      event: 'message.new',
      event_id: null,
      channel_id: channelId,
      seq: message.seq,
      data: { message },
    }),
  );
}

/**
 * One socket's view of one channel: delivers `message.new` strictly in seq order, exactly once.
 * A frame that skips ahead (a replay request, a NOTIFY lost while the listener reconnected)
 * switches it to catching up: live frames are held, the gap is read from the database page by
 * page, then the held frames are released, dropping what the database already gave.
 *
 * @example
 * const sub = new Subscription('general', true, 41, connection, (after) => messagesAfter(db, w, 'general', after));
 * await sub.catchUp();
 */
export class Subscription {
  #pending: Pending[] | undefined;
  #closed = false;
  /** Public channels stay readable after leaving them. */
  isPublic = false;

  constructor(
    readonly channelId: string,
    /** Whether the user is a member (members may type; readers of public channels may not). */
    public member: boolean,
    /** The newest seq this socket has been given. */
    public lastSeq: number,
    private readonly sink: FrameSink,
    private readonly load: (afterSeq: number) => Promise<Message[]>,
  ) {}

  /** Whether it is reading history and holding live frames. */
  get catchingUp(): boolean {
    return this.#pending !== undefined;
  }

  /** Holds live frames from now on, until `catchUp` has read the database. */
  hold(): void {
    this.#pending ??= [];
  }

  /** Reads whatever may have been missed (the event listener reconnected). */
  resync(): void {
    if (this.#closed || this.#pending) return;
    this.catchUp().catch(() => this.sink.closeSlow());
  }

  /** Stops all delivery (unsubscribe, socket closed). */
  close(): void {
    this.#closed = true;
    this.#pending = undefined;
  }

  /**
   * A live event for this channel; `seq` only for `message.new`.
   *
   * @example
   * sub.offer(frame, 42);
   */
  offer(frame: Buffer, seq: number | null): void {
    if (this.#closed) return;
    if (this.#pending) {
      if (this.#pending.length >= MAX_PENDING) {
        this.sink.closeSlow();
        return;
      }
      this.#pending.push({ frame, seq });
      return;
    }
    if (seq === null) {
      this.sink.push(frame);
      return;
    }
    if (seq <= this.lastSeq) return;
    if (seq === this.lastSeq + 1) {
      this.lastSeq = seq;
      this.sink.push(frame);
      return;
    }
    this.#pending = [{ frame, seq }];
    this.catchUp().catch(() => this.sink.closeSlow());
  }

  /**
   * Reads every message after `lastSeq` from the database and delivers it, then releases the
   * held live frames; repeats while those still skip ahead. Resolves with how many messages came
   * from the database.
   *
   * @example
   * const replayed = await sub.catchUp();
   */
  async catchUp(): Promise<number> {
    this.#pending ??= [];
    let replayed = 0;
    for (;;) {
      const messages = await this.load(this.lastSeq);
      if (this.#closed) return replayed;
      for (const message of messages) {
        if (message.seq <= this.lastSeq) continue;
        this.lastSeq = message.seq;
        replayed += 1;
        if (!this.sink.push(messageFrame(this.channelId, message))) return replayed;
      }
      if (messages.length === REPLAY_PAGE) continue;
      if (this.#release(messages.length === 0)) return replayed;
    }
  }

  /** Delivers held frames in order; false when one still skips ahead (read again). */
  #release(nothingNewer: boolean): boolean {
    const pending = this.#pending ?? [];
    for (let index = 0; index < pending.length; index++) {
      const { frame, seq } = pending[index] as Pending;
      if (seq !== null) {
        if (seq <= this.lastSeq) continue;
        // The database had nothing newer, yet this frame skips ahead: the channel's history
        // was removed under us (channel deleted). Deliver rather than wait forever.
        if (seq > this.lastSeq + 1 && !nothingNewer) {
          this.#pending = pending.slice(index);
          return false;
        }
        this.lastSeq = seq;
      }
      if (!this.sink.push(frame)) break;
    }
    this.#pending = undefined;
    return true;
  }
}
