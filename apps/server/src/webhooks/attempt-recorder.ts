import type { Kysely } from 'kysely';
import type { DB } from '../db/database';
import { withWorker } from '../db/scope';
import type { Logger } from '../lib/logger';
import type { Metrics } from '../lib/metrics';
import { createBatcher } from './batcher';
import * as repo from './delivery.repository';
import { describeFailure } from './error-class';
import { nextRetryDelay, type RetryPolicy } from './retry-policy';
import type { SendOutcome } from './webhook-sender';

/**
 * What {@link createAttemptRecorder} needs.
 *
 * @example
 * const options: AttemptRecorderOptions = { db, log, metrics, retry, disableAfterFailures: 10, onRetry };
 */
export interface AttemptRecorderOptions {
  db: Kysely<DB>;
  log: Logger;
  metrics: Metrics;
  retry: RetryPolicy;
  /** See `WebhookWorkerOptions.disableAfterFailures`. */
  disableAfterFailures: number;
  /** A failed attempt will be retried in `delayMs`. */
  onRetry: (delayMs: number) => void;
}

/** Writes the result of one attempt; resolves once it is committed. */
export type RecordAttempt = (
  delivery: repo.ClaimedDelivery,
  outcome: SendOutcome,
  aborted: boolean,
) => Promise<void>;

/**
 * Turns the answer to an attempt into the delivery's new state: delivered (batched, one commit
 * for many), retried after a backoff or the receiver's `Retry-After`, or dead at the end of its
 * retry window, in which case an endpoint whose last `disableAfterFailures` attempts all
 * failed is disabled with the reason. An attempt cut short by shutdown is given back.
 *
 * @example
 * const record = createAttemptRecorder({ db, log, metrics, retry, disableAfterFailures: 10, onRetry });
 * await record(delivery, await sender.send(url, body, headers), false);
 */
export function createAttemptRecorder(options: AttemptRecorderOptions): RecordAttempt {
  const { db, log } = options;
  const recordDelivered = createBatcher<{ attempt: repo.AttemptRef; responseCode: number }>(
    (results) => withWorker(db, (trx) => repo.recordDeliveredBatch(trx, results)),
    // Only the freeing of a slot waits for this, not the next send of a channel.
    { lingerMs: 5 },
  );
  const count = (result: string) =>
    options.metrics.counter(
      'cariosan_webhook_attempts_total',
      'Webhook delivery attempts by result',
      { result },
    );

  return async (delivery, outcome, aborted) => {
    if (aborted) {
      await withWorker(db, (trx) => repo.releaseClaims(trx, [delivery]));
      return;
    }
    if (outcome.ok) {
      await recordDelivered({ attempt: delivery, responseCode: outcome.status! });
      count('delivered');
      return;
    }
    const retryInMs = outcome.retryAfterMs ?? nextRetryDelay(delivery.attempts, options.retry);
    const { error, status } = outcome;
    const result = await withWorker(db, async (trx) => {
      const failed = await repo.recordFailed(trx, delivery, {
        error,
        responseCode: status,
        retryInMs,
      });
      if (!failed) return undefined;
      const disable =
        failed.status === 'dead' && failed.consecutiveFailures >= options.disableAfterFailures;
      const reason = `disabled after ${failed.consecutiveFailures} failed attempts in a row; last error: ${describeFailure(error, status)}`;
      const disabled = disable
        ? await repo.disableWebhook(trx, delivery.workspace_id, delivery.webhook_id, reason)
        : false;
      return { ...failed, disabled };
    });
    if (!result) return;
    count(result.status);
    const fields = {
      workspace_id: delivery.workspace_id,
      webhook_id: delivery.webhook_id,
      delivery_id: delivery.id,
      attempt: delivery.attempts,
      error,
      response_code: status,
    };
    if (result.status === 'failed') {
      log.debug('webhook attempt failed', { ...fields, retry_in_ms: retryInMs });
      options.onRetry(retryInMs);
    } else {
      log.warn('webhook delivery dead', fields);
    }
    if (result.disabled) log.warn('webhook disabled after a run of failures', fields);
  };
}
