import { createHash, createHmac, hkdfSync, pbkdf2Sync } from 'node:crypto';

const PREFIX = 'cariosan_app_';
const MAX_IDENTIFIER = 63;
/** PostgreSQL's default `scram_iterations`. */
const SCRAM_ITERATIONS = 4096;

/**
 * The login role a database's server sessions run as: one per database, because roles are
 * cluster-wide and one cluster may hold several Cariosan databases with different master
 * keys (staging and production, CI runs, a test per file). A shared role would have one
 * password for all of them, and its grants in one database would open the others.
 * Readable for plain names, a hash of the name otherwise.
 *
 * @example
 * appLoginRole('cariosan'); // 'cariosan_app_cariosan'
 * appLoginRole('Chat-Prod'); // 'cariosan_app_' + 16 hex characters
 */
export function appLoginRole(databaseName: string): string {
  if (/^[a-z0-9_]+$/.test(databaseName) && PREFIX.length + databaseName.length <= MAX_IDENTIFIER) {
    return `${PREFIX}${databaseName}`;
  }
  return `${PREFIX}${createHash('sha256').update(databaseName).digest('hex').slice(0, 16)}`;
}

/**
 * The login role's password, derived from the master key (HKDF-SHA-256) so a deployment
 * needs no second secret: every node and the CLI compute the same one.
 *
 * @example
 * const password = appLoginPassword(masterKey, 'cariosan_app_cariosan'); // 43 url-safe characters
 */
export function appLoginPassword(masterKey: Buffer, role: string): string {
  return derive(masterKey, `cariosan/app-login/password/${role}`, 32).toString('base64url');
}

/**
 * What `ALTER ROLE … PASSWORD` stores for a password under SCRAM-SHA-256
 * (`SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>`, RFC 5803). Sending this
 * instead of the password keeps the password out of statement logs and `pg_stat_activity`;
 * PostgreSQL stores a verifier as given, whatever `password_encryption` says. The salt is
 * derived too, so re-provisioning writes the same value.
 *
 * @example
 * const verifier = appLoginVerifier(masterKey, 'cariosan_app_cariosan');
 */
export function appLoginVerifier(masterKey: Buffer, role: string): string {
  const salt = derive(masterKey, `cariosan/app-login/scram-salt/${role}`, 16);
  return scramSha256Verifier(appLoginPassword(masterKey, role), salt);
}

/**
 * A SCRAM-SHA-256 verifier. The password must need no SASLprep (ASCII without controls),
 * as base64url passwords do.
 *
 * @example
 * scramSha256Verifier('pencil', Buffer.alloc(16), 4096); // 'SCRAM-SHA-256$4096:AAAA…'
 */
export function scramSha256Verifier(
  password: string,
  salt: Buffer,
  iterations = SCRAM_ITERATIONS,
): string {
  const salted = pbkdf2Sync(password, salt, iterations, 32, 'sha256');
  const clientKey = createHmac('sha256', salted).update('Client Key').digest();
  const storedKey = createHash('sha256').update(clientKey).digest();
  const serverKey = createHmac('sha256', salted).update('Server Key').digest();
  const b64 = (bytes: Buffer) => bytes.toString('base64');
  return `SCRAM-SHA-256$${iterations}:${b64(salt)}$${b64(storedKey)}:${b64(serverKey)}`;
}

function derive(masterKey: Buffer, info: string, length: number): Buffer {
  return Buffer.from(hkdfSync('sha256', masterKey, Buffer.alloc(0), info, length));
}
