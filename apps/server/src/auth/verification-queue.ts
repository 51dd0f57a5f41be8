import { err, ok, type Result } from '../lib/result';

export interface VerificationQueueOptions {
  /** argon2 runs at most this many at once: each costs ~19 MiB and a core for a while. */
  concurrency: number;
  /** Jobs one address may have waiting in one lane; more are turned away at once. */
  maxWaitingPerAddress: number;
}

/** Where a job queues: its lane (an api_key) and the client address it came from. */
export interface QueueSlot {
  lane: string;
  address: string;
  /** Jobs the lane may have waiting from all addresses together (default: unbounded). */
  maxWaitingInLane?: number;
}

interface Job {
  lane: string;
  address: string;
  start: () => void;
}

/** A queue that has taken turns: `served` is the turn it was last served at (-1: never). */
interface Turns<T> {
  served: number;
  items: T;
}

/** One api_key's jobs, by address. */
type Lane = Turns<{ waiting: number; addresses: Map<string, Turns<Job[]>> }>;

/**
 * Runs argon2 verifications fairly: lanes (one per api_key) take turns, and within a lane
 * the addresses take turns; the next job comes from the idle lane served longest ago (a new
 * one first), then from its idle address served longest ago. At most one job runs per lane
 * and per address, so a flood of distinct wrong pairs from one address, or against one key,
 * holds one slot and waits in its own queue while other keys' first verifications go ahead.
 * A job that finds `maxWaitingPerAddress` of its address's jobs already waiting in its lane is
 * refused without running: that refuses only the flooding address, for that key.
 *
 * @example
 * const queue = new VerificationQueue({ concurrency: 2, maxWaitingPerAddress: 4 });
 * const ran = await queue.run({ lane: apiKey, address }, () => verify(hash, secret));
 * if (!ran.ok) return tooManyAttempts();
 */
export class VerificationQueue {
  readonly #options: VerificationQueueOptions;
  readonly #lanes = new Map<string, Lane>();
  readonly #runningLanes = new Set<string>();
  readonly #runningAddresses = new Set<string>();
  #turn = 0;

  constructor(options: VerificationQueueOptions) {
    this.#options = options;
  }

  run<T>(slot: QueueSlot, task: () => Promise<T>): Promise<Result<T, 'queue_full'>> {
    const { lane: laneKey, address } = slot;
    const lane: Lane = this.#lanes.get(laneKey) ?? {
      served: -1,
      items: { waiting: 0, addresses: new Map<string, Turns<Job[]>>() },
    };
    const queue = lane.items.addresses.get(address) ?? { served: -1, items: [] };
    if (
      queue.items.length >= this.#options.maxWaitingPerAddress ||
      lane.items.waiting >= (slot.maxWaitingInLane ?? Number.POSITIVE_INFINITY)
    ) {
      return Promise.resolve(err('queue_full' as const));
    }
    return new Promise((resolve, reject) => {
      const done = () => this.#finish(laneKey, address);
      queue.items.push({
        lane: laneKey,
        address,
        start: () => {
          task().then(
            (value) => {
              done();
              resolve(ok(value));
            },
            (error: unknown) => {
              done();
              reject(error);
            },
          );
        },
      });
      lane.items.addresses.set(address, queue);
      lane.items.waiting++;
      this.#lanes.set(laneKey, lane);
      this.#pump();
    });
  }

  /** Jobs waiting (not running) in a lane. */
  waiting(lane: string): number {
    return this.#lanes.get(lane)?.items.waiting ?? 0;
  }

  /** Jobs running now. */
  get running(): number {
    return this.#runningLanes.size;
  }

  #finish(laneKey: string, address: string): void {
    this.#runningLanes.delete(laneKey);
    this.#runningAddresses.delete(address);
    // A queue is kept while its job runs, so it keeps its place behind those not yet served.
    const lane = this.#lanes.get(laneKey);
    if (lane?.items.addresses.get(address)?.items.length === 0)
      lane.items.addresses.delete(address);
    if (lane?.items.addresses.size === 0) this.#lanes.delete(laneKey);
    this.#pump();
  }

  #pump(): void {
    while (this.#runningLanes.size < this.#options.concurrency) {
      const job = this.#next();
      if (!job) return;
      this.#runningLanes.add(job.lane);
      this.#runningAddresses.add(job.address);
      job.start();
    }
  }

  /** The job of the idle lane, then the idle address in it, served longest ago. */
  #next(): Job | undefined {
    let best: { lane: Lane; queue: Turns<Job[]> } | undefined;
    for (const [laneKey, lane] of this.#lanes) {
      if (this.#runningLanes.has(laneKey) || (best && best.lane.served <= lane.served)) continue;
      const queue = leastRecent(
        lane.items.addresses,
        (address, candidate) => candidate.items.length > 0 && !this.#runningAddresses.has(address),
      );
      if (queue) best = { lane, queue };
    }
    if (!best) return undefined;
    best.lane.served = best.queue.served = this.#turn++;
    best.lane.items.waiting--;
    return best.queue.items.shift();
  }
}

/** The entry served longest ago (never served first, then insertion order) that may go. */
function leastRecent<T>(
  entries: Map<string, Turns<T>>,
  eligible: (key: string, entry: Turns<T>) => boolean,
): Turns<T> | undefined {
  let best: Turns<T> | undefined;
  for (const [key, entry] of entries)
    if ((!best || entry.served < best.served) && eligible(key, entry)) best = entry;
  return best;
}
