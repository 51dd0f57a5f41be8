/**
 * A database timestamp as ISO-8601 (drivers return Date or string).
 *
 * @example
 * iso(row.created_at); // '2026-11-22T23:00:00.000Z'
 */
export function iso(value: Date | string): string {
  return (value instanceof Date ? value : new Date(value)).toISOString();
}

/** `iso` for nullable columns. */
export function isoOrNull(value: Date | string | null | undefined): string | null {
  return value == null ? null : iso(value);
}

/**
 * Waits for `work` to settle, but at most `ms`; true if it settled in time. A rejection
 * counts as settled (callers that care await `work` themselves). The timer never keeps the
 * process alive and is cleared as soon as `work` settles.
 *
 * @example
 * if (!(await settledWithin(worker.stop(), 10_000))) logger.warn('worker did not stop');
 */
export async function settledWithin(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
    timer.unref();
  });
  const settled = work.then(
    () => true as const,
    () => true as const,
  );
  try {
    return await Promise.race([settled, late]);
  } finally {
    clearTimeout(timer);
  }
}
