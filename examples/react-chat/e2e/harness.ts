import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { createServer, type Server, type Socket, connect as tcpConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import postgres from 'postgres';

const require = createRequire(import.meta.url);
/** The `cariosan` CLI of the workspace's server package (built by `pnpm build`). */
const CLI = join(require.resolve('@cariosan/server/package.json'), '..', 'dist', 'cli.js');

/** Fresh storage: a new database on DATABASE_URL's server, else PGlite in a temp dir. */
export async function createStorage(): Promise<{
  env: Record<string, string>;
  drop(): Promise<void>;
}> {
  const serverUrl = process.env.DATABASE_URL;
  if (!serverUrl) {
    const dataDir = await mkdtemp(join(tmpdir(), 'cariosan-e2e-'));
    return {
      env: { CARIOSAN_DATA_DIR: dataDir },
      drop: () => rm(dataDir, { recursive: true, force: true }),
    };
  }
  const name = `cariosan_e2e_${randomBytes(6).toString('hex')}`;
  const admin = postgres(serverUrl, { max: 1, onnotice: () => undefined });
  await admin`create database ${admin(name)}`;
  await admin.end();
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    env: { DATABASE_URL: url.href, CARIOSAN_MASTER_KEY: randomBytes(32).toString('base64') },
    drop: async () => {
      const again = postgres(serverUrl, { max: 1, onnotice: () => undefined });
      await again`drop database if exists ${again(name)} with (force)`;
      // Roles are cluster-wide: drop the login role the server made for this database
      // (named by appLoginRole in apps/server/src/db/app-login.ts).
      await again`drop role if exists ${again(`cariosan_app_${name}`)}`;
      await again.end();
    },
  };
}

export async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

/**
 * A Cariosan server in a child process (`cariosan serve`), on a fixed port so that a restart
 * comes back at the same address, on the same storage.
 */
export class CariosanProcess {
  #child: ChildProcess | undefined;
  #output: string[] = [];
  readonly url: string;

  constructor(
    readonly port: number,
    readonly env: Record<string, string>,
  ) {
    this.url = `http://127.0.0.1:${port}`;
  }

  #env(): NodeJS.ProcessEnv {
    return { ...process.env, ...this.env, PORT: String(this.port), HOST: '127.0.0.1' };
  }

  async start(): Promise<void> {
    const child = spawn(process.execPath, [CLI, 'serve'], {
      env: { ...this.#env(), LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const keep = (data: Buffer) => {
      this.#output.push(String(data));
      if (this.#output.length > 50) this.#output.shift();
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    this.#child = child;
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) break;
      const ready = await fetch(`${this.url}/readyz`).then(
        (r) => r.ok,
        () => false,
      );
      if (ready) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`cariosan serve did not become ready:\n${this.#output.join('')}`);
  }

  /** SIGTERM (the server drains its sockets with 1012) and waits for the exit. */
  async stop(): Promise<void> {
    const child = this.#child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    await exited;
    clearTimeout(timer);
  }

  /** `cariosan workspace create --json` through the running server. */
  async createWorkspace(name: string): Promise<{ api_key: string; api_secret: string }> {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [CLI, 'workspace', 'create', '--name', name, '--json'],
      { env: this.#env() },
    );
    return JSON.parse(stdout);
  }
}

/**
 * A TCP relay between one browser page and the server: `cut()` drops its connections and
 * refuses new ones, as a lost network would (Chromium's offline emulation leaves WebSockets
 * open, so it cannot stand in for this); `restore()` lets traffic through again.
 */
export class NetworkLink {
  #server: Server;
  #pairs = new Set<Socket>();
  #up = true;
  port = 0;

  constructor(readonly targetPort: number) {
    this.#server = createServer((inbound) => {
      if (!this.#up) {
        inbound.destroy();
        return;
      }
      const outbound = tcpConnect(targetPort, '127.0.0.1');
      for (const socket of [inbound, outbound]) {
        this.#pairs.add(socket);
        socket.on('close', () => this.#pairs.delete(socket));
        socket.on('error', () => {
          inbound.destroy();
          outbound.destroy();
        });
      }
      inbound.pipe(outbound);
      outbound.pipe(inbound);
    });
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    this.port = (this.#server.address() as { port: number }).port;
  }

  cut(): void {
    this.#up = false;
    for (const socket of this.#pairs) socket.destroy();
  }

  restore(): void {
    this.#up = true;
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise((resolve) => this.#server.close(resolve));
  }
}
