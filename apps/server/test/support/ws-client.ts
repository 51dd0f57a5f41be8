import type { ServerFrame } from '@cariosan/protocol';
import WebSocket from 'ws';

type Frame = ServerFrame & Record<string, unknown>;
// biome-ignore lint/suspicious/noExplicitAny: frames are checked by each test's assertions
type Loose = any;

/**
 * A WebSocket client for tests: numbered requests answered by ack/error, every pushed frame
 * kept in order, and helpers to wait for frames or the close.
 *
 * @example
 * const socket = await openSocket(server.wsUrl, token);
 * await socket.request({ type: 'subscribe', channel_id: 'general' });
 */
export class TestSocket {
  readonly frames: Frame[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  #next = 0;
  #waiters = new Set<() => void>();

  constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      this.frames.push(JSON.parse(String(data)) as Frame);
      for (const wake of this.#waiters) wake();
    });
    this.closed = new Promise((resolve) => {
      ws.on('close', (code, reason) => {
        resolve({ code, reason: String(reason) });
        for (const wake of this.#waiters) wake();
      });
    });
    ws.on('error', () => undefined);
  }

  /** `event` frames, optionally of one event type. */
  events(type?: string): Loose[] {
    return this.frames.filter(
      (frame) => frame.type === 'event' && (type === undefined || frame.event === type),
    );
  }

  /** Seqs of the `message.new` events received for a channel, in arrival order. */
  seqs(channelId: string): number[] {
    return this.events('message.new')
      .filter((frame) => frame.channel_id === channelId)
      .map((frame) => frame.seq as number);
  }

  send(frame: unknown): void {
    this.ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  /** Sends a request with a fresh id; resolves with its ack or error frame. */
  async request(frame: Record<string, unknown>, timeoutMs = 10_000): Promise<Loose> {
    const id = (frame.id as string | undefined) ?? `r${++this.#next}`;
    this.send({ ...frame, id });
    return this.waitFor(
      (f) => (f.type === 'ack' || f.type === 'error') && f.id === id,
      timeoutMs,
      `answer to ${frame.type}`,
    );
  }

  /** Like request, but throws unless it was acked; resolves with the result. */
  async ok(frame: Record<string, unknown>): Promise<Loose> {
    const answer = await this.request(frame);
    if (answer.type !== 'ack') throw new Error(`${frame.type} failed: ${JSON.stringify(answer)}`);
    return answer.result;
  }

  /** The first frame (already received or coming) that matches. */
  waitFor(match: (frame: Loose) => boolean, timeoutMs = 10_000, what = 'frame'): Promise<Loose> {
    return this.waitUntil(() => this.frames.find(match), timeoutMs, what);
  }

  /** Polls `check` whenever a frame arrives, until it returns something. */
  waitUntil<T>(check: () => T | undefined | false, timeoutMs = 10_000, what = 'condition') {
    return new Promise<T>((resolve, reject) => {
      const attempt = () => {
        const value = check();
        if (value !== undefined && value !== false) {
          cleanup();
          resolve(value);
        }
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(
          new Error(`timed out waiting for ${what}; got ${JSON.stringify(this.frames.slice(-5))}`),
        );
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        this.#waiters.delete(attempt);
      };
      this.#waiters.add(attempt);
      attempt();
    });
  }

  close(): void {
    this.ws.close();
  }
}

/** Opens a socket (no connect frame yet). */
export async function rawSocket(url: string): Promise<TestSocket> {
  const ws = new WebSocket(url);
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  return new TestSocket(ws);
}

/** Opens a socket and authenticates it; throws if connect is refused. */
export async function openSocket(url: string, token: string): Promise<TestSocket> {
  const socket = await rawSocket(url);
  await socket.ok({ type: 'connect', token });
  return socket;
}
