import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../lib/logger';

/** Where embedded mode keeps a generated master key when CARIOSAN_MASTER_KEY is unset. */
export const MASTER_KEY_FILE = 'master.key';

/**
 * Parses a 32-byte master key given as 64 hex characters or base64 (standard or url-safe).
 *
 * @example
 * parseMasterKey(process.env.CARIOSAN_MASTER_KEY!); // Buffer(32)
 */
export function parseMasterKey(text: string): Buffer {
  const trimmed = text.trim();
  const bytes = /^[0-9a-fA-F]{64}$/.test(trimmed)
    ? Buffer.from(trimmed, 'hex')
    : Buffer.from(trimmed.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  if (bytes.length !== 32) {
    throw new Error(
      'CARIOSAN_MASTER_KEY must be 32 bytes as 64 hex characters or base64 (generate one with `openssl rand -base64 32`)',
    );
  }
  return bytes;
}

export interface LoadMasterKeyOptions {
  masterKey: string | undefined;
  /** Embedded mode only: the data dir where a key may be generated. */
  dataDir: string | undefined;
  logger: Logger;
}

/**
 * The key that encrypts derived secrets at rest. With PostgreSQL it must come from
 * CARIOSAN_MASTER_KEY (a key stored beside the data it protects protects nothing); in
 * embedded mode one is generated into the data dir, with a warning.
 *
 * @example
 * const masterKey = await loadMasterKey({ masterKey: config.masterKey, dataDir, logger });
 */
export async function loadMasterKey(options: LoadMasterKeyOptions): Promise<Buffer> {
  if (options.masterKey) return parseMasterKey(options.masterKey);
  if (!options.dataDir) {
    throw new Error(
      'CARIOSAN_MASTER_KEY is required with DATABASE_URL: set it to 32 random bytes (`openssl rand -base64 32`) and keep it out of the database',
    );
  }
  const file = join(options.dataDir, MASTER_KEY_FILE);
  try {
    return parseMasterKey(await readFile(file, 'utf8'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  await mkdir(options.dataDir, { recursive: true, mode: 0o700 });
  const key = randomBytes(32);
  // 'wx' so two processes racing here cannot overwrite each other's key.
  try {
    await writeFile(file, key.toString('base64'), { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
      return parseMasterKey(await readFile(file, 'utf8'));
    }
    throw error;
  }
  options.logger.warn(
    'generated a master key in the data dir; set CARIOSAN_MASTER_KEY in production',
    {
      file,
    },
  );
  return key;
}
