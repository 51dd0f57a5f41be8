import { createHmac, timingSafeEqual } from 'node:crypto';
import { type Kysely, sql } from 'kysely';

/** HMAC info of the check value: the value proves which key it came from, never the key. */
const CHECK_INFO = 'cariosan master key check v1';

/**
 * A check value of a master key: HMAC-SHA256 of a fixed string, as hex. It tells two keys
 * apart and reveals nothing about either.
 *
 * @example
 * masterKeyCheckValue(masterKey); // '3f1c…' (64 hex characters)
 */
export function masterKeyCheckValue(masterKey: Buffer): string {
  return createHmac('sha256', masterKey).update(CHECK_INFO).digest('hex');
}

/**
 * Refuses a master key other than the one this database was first opened with (whose check
 * value it then stores). Runs before anything is derived from the key: a wrong key would
 * otherwise start, leave every webhook undeliverable and reset the app login's password.
 *
 * @example
 * await assertMasterKeyMatches(owner, masterKey); // throws MasterKeyMismatchError
 */
export async function assertMasterKeyMatches(
  // biome-ignore lint/suspicious/noExplicitAny: owner (untyped) and app (typed) connections alike
  db: Kysely<any>,
  masterKey: Buffer,
): Promise<void> {
  const expected = masterKeyCheckValue(masterKey);
  const stored = await db.transaction().execute(async (trx) => {
    await sql`select set_config('cariosan.control', 'on', true)`.execute(trx);
    await sql`insert into master_key_check (check_value) values (${expected})
      on conflict (singleton) do nothing`.execute(trx);
    const { rows } = await sql<{ check_value: string }>`
      select check_value from master_key_check`.execute(trx);
    return rows[0]?.check_value ?? expected;
  });
  const same =
    stored.length === expected.length &&
    timingSafeEqual(Buffer.from(stored), Buffer.from(expected));
  if (!same) throw new MasterKeyMismatchError();
}

/** The configured master key is not the one the database's secrets are encrypted under. */
export class MasterKeyMismatchError extends Error {
  override name = 'MasterKeyMismatchError';
  constructor() {
    super(
      'CARIOSAN_MASTER_KEY is not the key this database was set up with: its encrypted ' +
        'secrets (webhook signing keys) would be unreadable. Start with the original key',
    );
  }
}
