import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The built CLI: tests of the real binary run what users run. */
export const CLI = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));

/** The environment of a child process: the test's own DATABASE_URL never leaks in unasked. */
export function childEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  const base = { ...process.env };
  delete base.DATABASE_URL;
  delete base.CARIOSAN_MASTER_KEY;
  return { ...base, HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'info', ...env };
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs `cariosan …` as a separate process.
 *
 * @example
 * const { code, stdout } = await runCliProcess(['workspace', 'list', '--json'], env);
 */
export function runCliProcess(args: string[], env: Record<string, string>): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI, ...args],
      { env: childEnv(env), timeout: 60_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

export interface ServerProcess {
  url: string;
  process: ChildProcess;
  output: () => string;
  /** SIGTERM and wait; resolves with the exit code. */
  stop(): Promise<number | null>;
}

/**
 * Starts `cariosan serve` and resolves once it logs `listening`.
 *
 * @example
 * const server = await spawnServer({ CARIOSAN_DATA_DIR: dir });
 */
export function spawnServer(env: Record<string, string>): Promise<ServerProcess> {
  const child = spawn(process.execPath, [CLI, 'serve'], {
    env: childEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${output}`)), 45_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /"msg":"listening".*?"url":"([^"]+)"/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve({
          url: match[1]!,
          process: child,
          output: () => output,
          stop: async () => {
            if (child.exitCode === null) child.kill('SIGTERM');
            const slow = setTimeout(() => {
              process.stderr.write(
                `server still running 15 s after SIGTERM:\n${output.slice(-3000)}\n`,
              );
            }, 15_000);
            try {
              return await exited;
            } finally {
              clearTimeout(slow);
            }
          },
        });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}:\n${output}`));
    });
  });
}
