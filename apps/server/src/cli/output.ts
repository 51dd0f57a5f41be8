import type { RevealedCredentials, WorkspaceSummary } from '../workspaces/workspace.service';

/**
 * Human output of `create` and `rotate-secret`: the one time the secret is ever shown.
 *
 * @example
 * process.stdout.write(formatRevealed(created, 'Created'));
 */
export function formatRevealed(credentials: RevealedCredentials, verb: string): string {
  return [
    `${verb} workspace "${credentials.name}" (${credentials.workspace_id})${credentials.test ? ' [test]' : ''}`,
    '',
    `  api_key     ${credentials.api_key}`,
    `  api_secret  ${credentials.api_secret}`,
    '',
    'The api_secret is shown only this once: store it in your secret manager now.',
    '',
  ].join('\n');
}

/**
 * Human output of `workspace list`: an aligned table.
 *
 * @example
 * process.stdout.write(formatWorkspaceTable(workspaces));
 */
export function formatWorkspaceTable(workspaces: WorkspaceSummary[]): string {
  if (workspaces.length === 0) {
    return 'No workspaces yet. Create one with: cariosan workspace create --name "My app"\n';
  }
  const rows = [
    ['WORKSPACE ID', 'NAME', 'MODE', 'API KEY', 'CREATED'],
    ...workspaces.map((w) => [
      w.workspace_id,
      w.name,
      w.test ? 'test' : 'live',
      w.api_key ?? '-',
      w.created_at,
    ]),
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  return `${rows
    .map((row) =>
      row
        .map((cell, i) => cell.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n')}\n`;
}
