// PGlite folds unquoted names to lower case while postgres.js quotes them; one strict
// alphabet makes a channel mean the same thing on both backends.
const CHANNEL_NAME = /^[A-Za-z0-9_.:-]{1,63}$/;

/**
 * Throws unless `channel` is a valid LISTEN/NOTIFY channel name for Cariosan:
 * 1–63 chars of `[A-Za-z0-9_.:-]`, case-sensitive.
 *
 * @example
 * assertChannelName('cariosan_events');
 */
export function assertChannelName(channel: string): void {
  if (!CHANNEL_NAME.test(channel)) throw new Error(`invalid notification channel: ${channel}`);
}
