import { createInterface } from 'node:readline/promises';
import { parseArgs } from 'node:util';
import type { ErrorBody } from '@cariosan/protocol';
import { DataDirLockedError } from '../control/data-dir-lock';
import { type Config, ConfigError, loadConfig } from '../env';
import { createLogger } from '../lib/logger';
import { migrateStorage } from '../server';
import type { RevealedCredentials, WorkspaceSummary } from '../workspaces/workspace.service';
import { type ControlRequest, sendControlRequest } from './control-client';
import { formatRevealed, formatWorkspaceTable } from './output';
import { serveCommand } from './serve';

const USAGE = `Usage: cariosan <command>

  serve                                         run the server (default)
  migrate                                       apply database migrations and exit
  workspace create --name NAME [--test] [--external-id ID] [--json]
  workspace list [--json]
  workspace rotate-secret --workspace-id ws_… [--json]
  workspace delete --workspace-id ws_… [--yes] [--json]

Storage: DATABASE_URL selects PostgreSQL; otherwise the embedded database in CARIOSAN_DATA_DIR.
On PostgreSQL, DATABASE_URL's user migrates and workspace commands run as the server's login
role, like the server, so they need the same CARIOSAN_MASTER_KEY.
Workspace commands work while the server runs, in either mode.
`;

interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
  isTty: boolean;
}

const defaultIo: Io = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  isTty: Boolean(process.stdin.isTTY),
};

/**
 * Runs one `cariosan` command and returns its exit code.
 *
 * @example
 * process.exitCode = await runCli(['workspace', 'list', '--json'], process.env);
 */
export async function runCli(
  argv: string[],
  env: Record<string, string | undefined>,
  io: Io = defaultIo,
): Promise<number> {
  const [command = 'serve', sub, ...rest] = argv;
  let config: Config;
  try {
    config = loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) {
      io.err(`${error.message}\n`);
      return 2;
    }
    throw error;
  }
  if (command === 'help' || command === '--help' || command === '-h') {
    io.out(USAGE);
    return 0;
  }
  if (command === 'serve') return serveCommand(config);
  if (command === 'migrate') {
    let applied: string[];
    try {
      ({ applied } = await migrateStorage(config));
    } catch (error) {
      if (!(error instanceof DataDirLockedError)) throw error;
      io.out(
        `The server (pid ${error.pid}) has this data dir open; it applied migrations when it started.\n`,
      );
      return 0;
    }
    io.out(
      applied.length
        ? `Applied ${applied.length} migration(s): ${applied.join(', ')}\n`
        : 'Database is up to date.\n',
    );
    return 0;
  }
  if (command !== 'workspace' || !sub) {
    io.err(USAGE);
    return 2;
  }
  return workspaceCommand(config, sub, rest, io);
}

async function workspaceCommand(
  config: Config,
  sub: string,
  args: string[],
  io: Io,
): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      name: { type: 'string' },
      test: { type: 'boolean', default: false },
      'external-id': { type: 'string' },
      'workspace-id': { type: 'string' },
      json: { type: 'boolean', default: false },
      yes: { type: 'boolean', default: false },
    },
    strict: true,
  });
  const need = (flag: 'name' | 'workspace-id'): string | undefined => {
    if (values[flag]) return values[flag];
    io.err(`error: --${flag} is required\n\n${USAGE}`);
    return undefined;
  };
  let request: ControlRequest;
  if (sub === 'create') {
    const name = need('name');
    if (!name) return 2;
    request = {
      method: 'POST',
      path: '/workspaces',
      body: { name, test: values.test, external_id: values['external-id'] },
    };
  } else if (sub === 'list') {
    request = { method: 'GET', path: '/workspaces' };
  } else if (sub === 'rotate-secret' || sub === 'delete') {
    const id = need('workspace-id');
    if (!id) return 2;
    if (sub === 'delete' && !values.yes && !(await confirm(io, id))) {
      io.err('Not deleted. Pass --yes to delete without a prompt.\n');
      return 1;
    }
    request =
      sub === 'delete'
        ? { method: 'DELETE', path: `/workspaces/${encodeURIComponent(id)}` }
        : { method: 'POST', path: `/workspaces/${encodeURIComponent(id)}/rotate-secret` };
  } else {
    io.err(USAGE);
    return 2;
  }
  const logger = createLogger({
    level: config.logLevel === 'debug' ? 'debug' : 'warn',
    write: (line) => io.err(`${line}\n`),
  });
  const response = await sendControlRequest(config, request, logger);
  if (response.status >= 400) {
    const error = (response.body as ErrorBody | undefined)?.error;
    if (values.json) io.out(`${JSON.stringify(response.body)}\n`);
    else io.err(`error: ${error?.message ?? `status ${response.status}`}\n`);
    return 1;
  }
  if (values.json) {
    const body =
      sub === 'list' ? (response.body as { workspaces: unknown }).workspaces : response.body;
    io.out(`${JSON.stringify(body, null, 2)}\n`);
  } else if (sub === 'list') {
    io.out(formatWorkspaceTable((response.body as { workspaces: WorkspaceSummary[] }).workspaces));
  } else if (sub === 'delete') {
    io.out(`Deleted workspace ${values['workspace-id']} and all of its data.\n`);
  } else {
    io.out(
      formatRevealed(
        response.body as RevealedCredentials,
        sub === 'create' ? 'Created' : 'Rotated the secret of',
      ),
    );
  }
  return 0;
}

async function confirm(io: Io, workspaceId: string): Promise<boolean> {
  if (!io.isTty) {
    io.err('error: refusing to delete without --yes when not run interactively\n');
    return false;
  }
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  const answer = await rl.question(
    `Delete ${workspaceId} and all of its users, channels and messages? Type the id to confirm: `,
  );
  rl.close();
  return answer.trim() === workspaceId;
}
