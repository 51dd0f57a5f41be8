import { mkdir, readFile, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** The file that says which process has the embedded database open. */
export const LOCK_FILE = 'cariosan.pid';

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The data dir is open in another live process; `pid` says which. */
export class DataDirLockedError extends Error {
  override name = 'DataDirLockedError';
  constructor(readonly pid: number) {
    super(`The data dir is in use by process ${pid}`);
  }
}

/**
 * Takes the data dir for this process: PGlite corrupts a directory two processes open, so
 * exactly one may. A lock left by a dead process is taken over.
 *
 * @example
 * const release = await lockDataDir(dataDir); … await release();
 */
export async function lockDataDir(dataDir: string): Promise<() => Promise<void>> {
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const file = join(dataDir, LOCK_FILE);
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      await writeFile(file, String(process.pid), { flag: 'wx', mode: 0o600 });
      return async () => {
        await unlink(file).catch(() => undefined);
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const pid = Number((await readFile(file, 'utf8').catch(() => '')).trim());
    if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && isAlive(pid)) {
      throw new DataDirLockedError(pid);
    }
    await unlink(file).catch(() => undefined);
  }
  throw new Error(`Could not lock ${dataDir}`);
}
