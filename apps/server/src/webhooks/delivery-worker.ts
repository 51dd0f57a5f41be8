import type { Row } from '../db/database';
import { WEBHOOKS_CHANNEL } from '../db/migrations/0004-webhooks';
import { withWorker } from '../db/scope';
import type { Deps } from '../deps';
import { settledWithin } from '../lib/time';
import { type AddressPolicy, createAddressPolicy } from './address-policy';
import { createAttemptRecorder } from './attempt-recorder';
import * as repo from './delivery.repository';
import { laneKey, pickFairShare } from './fair-share';
import { type RetryPolicy, retryPolicyFromBase } from './retry-policy';
import { loadSigningKeys } from './signing-keys';
import { toWebhookEvent } from './webhook.mapper';
import { createWebhookSender, type WebhookSender } from './webhook-sender';
import { signDelivery } from './webhook-signer';

/**
 * Tuning of {@link startWebhookWorker}; defaults come from the server's config.
 *
 * @example
 * const options: Partial<WebhookWorkerOptions> = { pollMs: 200, disableAfterFailures: 3 };
 */
export interface WebhookWorkerOptions {
  retry: RetryPolicy;
  /** One attempt, connect to last byte. */
  timeoutMs: number;
  /** How long a claim keeps other nodes away; longer than an attempt can take. */
  leaseMs: number;
  /** Fallback poll for work (NOTIFY normally wakes the worker first). */
  pollMs: number;
  /** Attempts in flight (and queued behind others of their channel) on this node. */
  maxInFlight: number;
  /**
   * Channels (lanes, each sent one at a time) of one endpoint in flight on this node: a slow
   * endpoint keeps to this share of the slots.
   */
  maxPerEndpoint: number;
  /**
   * An endpoint is disabled when one of its deliveries dies (its retry window passed) while
   * at least this many attempts in a row have failed.
   */
  disableAfterFailures: number;
  /** Which hosts may be reached (CARIOSAN_WEBHOOK_BLOCK_PRIVATE, CARIOSAN_WEBHOOK_ALLOW_HOSTS). */
  policy: AddressPolicy;
  sender?: WebhookSender;
}

/** The running delivery loop of one node. */
export interface WebhookWorker {
  /** Look for due deliveries now. */
  wake(): void;
  /** Stops claiming, lets attempts in flight finish for up to `graceMs`, gives the rest back. */
  stop(graceMs?: number): Promise<void>;
}

interface Active {
  delivery: repo.ClaimedDelivery;
  abort: AbortController;
  /** When this node claimed it (its clock): the lease runs out `leaseMs` later. */
  claimedAt: number;
}

/**
 * Starts this node's webhook delivery loop: woken by the fan-out trigger's NOTIFY (and a poll),
 * it claims due deliveries with `for update skip locked`, signs each attempt with the
 * workspace's current key, POSTs it, and records the result: delivered, retried with backoff
 * (or after `Retry-After`), or dead at the end of the retry window, disabling an endpoint that
 * keeps failing. Everything it knows is in the database, so a killed node loses nothing: its
 * claims lapse and another node (or its own restart) takes them over.
 *
 * Deliveries of one endpoint and channel are sent one after the other in event order on a node;
 * retries and several nodes can still reorder them, so receivers should order by `seq`.
 *
 * @example
 * const worker = await startWebhookWorker(deps);
 * await worker.stop();
 */
export async function startWebhookWorker(
  deps: Deps,
  overrides: Partial<WebhookWorkerOptions> = {},
): Promise<WebhookWorker> {
  const { config, database, logger, metrics } = deps;
  const timeoutMs = overrides.timeoutMs ?? config.webhookTimeoutMs;
  const options: WebhookWorkerOptions = {
    retry: retryPolicyFromBase(config.webhookRetryBaseMs),
    leaseMs: timeoutMs + 5_000,
    pollMs: 1_000,
    maxInFlight: 64,
    maxPerEndpoint: config.webhookEndpointConcurrency,
    disableAfterFailures: 10,
    policy: createAddressPolicy({
      blockPrivate: config.webhookBlockPrivate,
      allowHosts: config.webhookAllowHosts,
    }),
    ...overrides,
    timeoutMs,
  };
  const sender =
    options.sender ??
    createWebhookSender({
      timeoutMs,
      policy: options.policy,
      maxRetryAfterMs: options.retry.windowMs,
      maxSockets: options.maxInFlight,
    });
  const log = logger.child({ component: 'webhooks' });
  const db = database.db;
  const active = new Map<string, Active>();
  const chains = new Map<string, Promise<void>>();
  const tasks = new Set<Promise<void>>();
  let running = true;
  let passing: Promise<void> | undefined;
  let again = false;
  /** The last claim filled every free slot: there may be more due work right now. */
  let backlog = false;
  let retryTimer: NodeJS.Timeout | undefined;
  let retryAt = Number.POSITIVE_INFINITY;

  /** Claims smaller than this wait for more free slots, unless nothing is in flight. */
  const minClaim = Math.max(1, Math.floor(options.maxInFlight / 4));

  const wake = () => {
    if (!running) return;
    if (passing) {
      again = true;
      return;
    }
    passing = pass()
      .catch((error: unknown) => log.error('claiming webhook deliveries failed', { error }))
      .finally(() => {
        passing = undefined;
        if (again) {
          again = false;
          wake();
        }
      });
  };

  /** Wakes up when this node's own retry is due, sooner than the next poll. */
  const scheduleRetry = (delayMs: number) => {
    const at = Date.now() + delayMs;
    if (at >= retryAt || delayMs > options.pollMs) return;
    clearTimeout(retryTimer);
    retryAt = at;
    retryTimer = setTimeout(() => {
      retryAt = Number.POSITIVE_INFINITY;
      wake();
    }, delayMs);
    retryTimer.unref();
  };

  const record = createAttemptRecorder({
    db,
    log,
    metrics,
    retry: options.retry,
    disableAfterFailures: options.disableAfterFailures,
    onRetry: scheduleRetry,
  });

  async function pass(): Promise<void> {
    while (running) {
      const room = options.maxInFlight - active.size;
      if (room <= 0 || (room < minClaim && active.size > 0)) {
        // Completions look again once enough slots are free.
        backlog = true;
        return;
      }
      const { claimed, held } = await claim(room);
      // Deliveries held back for their endpoint's share wait for a completion, not a poll.
      backlog = claimed === room || held;
      if (claimed < room) return;
    }
  }

  async function claim(limit: number): Promise<{ claimed: number; held: boolean }> {
    const { claimed, held, events } = await withWorker(db, async (trx) => {
      const due = await repo.lockDueDeliveries(trx, limit * 4);
      const { picked, held } = pickFairShare(due, limit, options.maxPerEndpoint, chains.keys());
      const claimed = await repo.claimDeliveries(
        trx,
        picked,
        options.leaseMs,
        options.retry.windowMs,
      );
      const ids = claimed.flatMap((d) => (d.outbox_id === null ? [] : [d.outbox_id]));
      return { claimed, held, events: await repo.loadOutboxRows(trx, ids) };
    });
    if (claimed.length === 0) return { claimed: 0, held };
    const byOutboxId = new Map(events.map((event) => [event.id, event]));
    const keys = await loadSigningKeys(
      db,
      deps.masterKey,
      claimed.map((d) => d.workspace_id),
    );
    claimed.sort((a, b) => (a.outbox_id ?? 0) - (b.outbox_id ?? 0));
    const claimedAt = Date.now();
    for (const delivery of claimed) {
      const event = delivery.outbox_id === null ? undefined : byOutboxId.get(delivery.outbox_id);
      const key = keys.get(delivery.workspace_id);
      active.set(delivery.id, { delivery, abort: new AbortController(), claimedAt });
      const chainKey = laneKey(delivery);
      const previous = chains.get(chainKey) ?? Promise.resolve();
      const sent = previous
        .then(() => attempt(delivery, event, key))
        .catch((error: unknown) => {
          // A bug, not a failed attempt: the claim lapses and the delivery is tried again.
          log.error('webhook attempt crashed', { delivery_id: delivery.id, error });
          active.delete(delivery.id);
        });
      chains.set(chainKey, sent);
      track(
        sent.then(() => {
          if (chains.get(chainKey) === sent) chains.delete(chainKey);
        }),
      );
    }
    return { claimed: claimed.length, held };
  }

  const track = (task: Promise<void>) => {
    tasks.add(task);
    void task.finally(() => tasks.delete(task));
  };

  /** Sends one attempt; the chain waits for the answer, not for it to be recorded. */
  async function attempt(
    delivery: repo.ClaimedDelivery,
    event: Row<'outbox'> | undefined,
    key: Buffer | undefined,
  ): Promise<void> {
    const entry = active.get(delivery.id)!;
    // Stopping, or queued behind slow attempts so long that the lease could run out while
    // this one is in flight (and another node take it): give it back instead of sending.
    if (!running || Date.now() + timeoutMs + 1_000 > entry.claimedAt + options.leaseMs) {
      track(finish(delivery, () => withWorker(db, (trx) => repo.releaseClaims(trx, [delivery]))));
      return;
    }
    if (!event || !key) {
      const reason = event ? 'no_signing_key' : 'event_gone';
      track(
        finish(delivery, () =>
          withWorker(db, (trx) => repo.recordUndeliverable(trx, delivery, reason)),
        ),
      );
      return;
    }
    const body = JSON.stringify(toWebhookEvent(event));
    const headers = signDelivery(key, {
      eventId: delivery.event_id,
      eventType: delivery.event_type,
      timestamp: Math.floor(Date.now() / 1000),
      body,
      deliveryId: delivery.id,
      attempt: delivery.attempts,
    });
    const outcome = await sender.send(delivery.url, body, headers, entry.abort.signal);
    // Only an attempt cut short by stop() is given back; one that got its answer counts.
    const aborted = entry.abort.signal.aborted && !outcome.ok && outcome.status === null;
    track(finish(delivery, () => record(delivery, outcome, aborted)));
  }

  /** Runs a write about an attempt, then frees its slot and looks for more work. */
  async function finish(delivery: repo.ClaimedDelivery, write: () => Promise<unknown>) {
    try {
      await write();
    } catch (error) {
      // The claim lapses after its lease and the delivery is tried again: at least once.
      log.error('recording a webhook attempt failed', { delivery_id: delivery.id, error });
    } finally {
      active.delete(delivery.id);
      if (backlog) wake();
    }
  }

  if (database.kind === 'pglite') {
    // The data dir is locked to this process: any claim in it was left by a killed one.
    const expired = await withWorker(db, (trx) => repo.expireAllClaims(trx));
    if (expired > 0) log.info('retrying interrupted webhook attempts', { count: expired });
  }
  const unlisten = await database.listen(WEBHOOKS_CHANNEL, wake, wake);
  const poll = setInterval(wake, options.pollMs);
  poll.unref();
  wake();

  return {
    wake,
    async stop(graceMs = 5_000) {
      if (!running) return;
      running = false;
      clearInterval(poll);
      clearTimeout(retryTimer);
      await unlisten().catch(() => undefined);
      await passing;
      if (active.size > 0) {
        const drained = (async () => {
          while (tasks.size > 0) await Promise.allSettled([...tasks]);
        })();
        await settledWithin(drained, graceMs);
        for (const entry of active.values()) entry.abort.abort();
      }
      while (tasks.size > 0) await Promise.allSettled([...tasks]);
      if (!overrides.sender) sender.close();
    },
  };
}
