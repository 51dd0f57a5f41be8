import { deriveUserTokenKeys, deriveWebhookSigningKey } from '@cariosan/node';
import type { Kysely } from 'kysely';
import { ulid } from 'ulidx';
import { encryptAtRest, generateApiKey, generateApiSecret, hashSecret } from '../auth/credentials';
import { emitControlEvent } from '../control/control-events';
import type { DB } from '../db/database';
import { json } from '../db/json';
import { withControl } from '../db/scope';
import { err, ok, type Result } from '../lib/result';
import * as repo from './workspace.repository';

export interface WorkspaceServiceDeps {
  db: Kysely<DB>;
  masterKey: Buffer;
}

/** Who asked, for the audit log: `cli`, `admin-api`, … */
export type Actor = string;

/** The one-time reveal of `create` and `rotate-secret`. */
export interface RevealedCredentials {
  workspace_id: string;
  name: string;
  api_key: string;
  api_secret: string;
  test: boolean;
}

/** A workspace as `list` shows it; never any secret material. */
export interface WorkspaceSummary {
  workspace_id: string;
  name: string;
  external_id: string | null;
  test: boolean;
  api_key: string | null;
  created_at: string;
}

export interface CreateWorkspaceInput {
  name: string;
  test?: boolean;
  externalId?: string;
}

/** Hash and derived keys of a fresh secret, computed outside any transaction (argon2 is slow). */
async function secretMaterial(apiSecret: string, keyRecordId: string, masterKey: Buffer) {
  const [secretHash, tokenKeys] = await Promise.all([
    hashSecret(apiSecret),
    Promise.resolve(deriveUserTokenKeys(apiSecret)),
  ]);
  return {
    secret_hash: secretHash,
    token_public_key: Buffer.from(tokenKeys.publicKeyRaw),
    webhook_key_enc: encryptAtRest(masterKey, deriveWebhookSigningKey(apiSecret), keyRecordId),
  };
}

/**
 * Creates a workspace and its key pair; the secret is returned once and stored only as an
 * argon2id hash plus derived keys.
 *
 * @example
 * const created = await createWorkspace(deps, { name: 'Buyer app' }, 'cli');
 */
export async function createWorkspace(
  deps: WorkspaceServiceDeps,
  input: CreateWorkspaceInput,
  actor: Actor,
): Promise<Result<RevealedCredentials>> {
  const name = input.name.trim();
  if (name.length === 0 || name.length > 200) {
    return err({
      code: 'invalid_request',
      message: 'name must be 1–200 characters',
      field: 'name',
    });
  }
  const mode = input.test ? 'test' : 'live';
  const workspaceId = `ws_${ulid()}`;
  const keyRecordId = `key_${ulid()}`;
  const apiKey = generateApiKey(mode);
  const apiSecret = generateApiSecret(mode);
  const material = await secretMaterial(apiSecret, keyRecordId, deps.masterKey);
  return withControl(deps.db, async (trx) => {
    const inserted = await repo.insertWorkspace(trx, {
      id: workspaceId,
      name,
      is_test: mode === 'test',
      external_id: input.externalId ?? null,
    });
    if (!inserted) {
      return err({
        code: 'conflict',
        message: 'A workspace with this external_id exists',
        field: 'external_id',
      });
    }
    await repo.insertApiKey(trx, {
      id: keyRecordId,
      workspace_id: workspaceId,
      api_key: apiKey,
      ...material,
    });
    await repo.insertAudit(trx, {
      workspace_id: workspaceId,
      actor,
      action: 'workspace.created',
      target: workspaceId,
      meta: json({ name, test: mode === 'test', api_key: apiKey }),
    });
    return ok({
      workspace_id: workspaceId,
      name,
      api_key: apiKey,
      api_secret: apiSecret,
      test: mode === 'test',
    });
  });
}

/**
 * @example
 * const workspaces = await listWorkspaces(deps);
 */
export async function listWorkspaces(
  deps: WorkspaceServiceDeps,
  externalId?: string,
): Promise<WorkspaceSummary[]> {
  const rows = await withControl(deps.db, (trx) => repo.listWorkspaceRows(trx, externalId));
  return rows.map((row) => ({
    workspace_id: row.id,
    name: row.name,
    external_id: row.external_id,
    test: row.is_test,
    api_key: row.api_key,
    created_at: new Date(row.created_at).toISOString(),
  }));
}

/** The outcome of `ensureWorkspace`: a new workspace reveals its secret, an existing one does not. */
export type EnsuredWorkspace =
  | ({ created: true } & RevealedCredentials)
  | ({ created: false } & WorkspaceSummary);

/**
 * Idempotent "a workspace for this external_id": creates it the first time, and afterwards
 * (or when a concurrent call won) returns the existing one without any secret.
 *
 * @example
 * const ensured = await ensureWorkspace(deps, { externalId: 'customer-42', name: 'Acme' }, 'admin-api');
 */
export async function ensureWorkspace(
  deps: WorkspaceServiceDeps,
  input: CreateWorkspaceInput & { externalId: string },
  actor: Actor,
): Promise<Result<EnsuredWorkspace>> {
  const existing = async () => {
    const summary = (await listWorkspaces(deps, input.externalId))[0];
    return summary ? ok({ created: false as const, ...summary }) : undefined;
  };
  const found = await existing();
  if (found) return found;
  const created = await createWorkspace(deps, input, actor);
  if (created.ok) return ok({ created: true as const, ...created.value });
  if (created.error.code !== 'conflict') return created;
  return (await existing()) ?? created;
}

/**
 * Replaces the secret: the old one, and every token and webhook key derived from it, stop
 * working on every node as soon as this commits (the NOTIFY is part of the transaction).
 *
 * @example
 * const rotated = await rotateSecret(deps, 'ws_…', 'cli');
 */
export async function rotateSecret(
  deps: WorkspaceServiceDeps,
  workspaceId: string,
  actor: Actor,
): Promise<Result<RevealedCredentials>> {
  const workspace = await withControl(deps.db, (trx) => repo.findWorkspaceById(trx, workspaceId));
  if (!workspace) return err({ code: 'not_found', message: 'No such workspace' });
  const mode = workspace.is_test ? 'test' : 'live';
  const apiSecret = generateApiSecret(mode);
  return withControl(deps.db, async (trx) => {
    const keys = await repo.lockActiveKeys(trx, workspaceId);
    const key = keys[0];
    if (!key) return err({ code: 'not_found', message: 'No such workspace' });
    // Hashing inside the row lock keeps two concurrent rotations from interleaving.
    const material = await secretMaterial(apiSecret, key.id, deps.masterKey);
    await repo.updateKeySecret(trx, key.id, {
      ...material,
      generation: key.generation + 1,
      rotated_at: new Date(),
    });
    await repo.insertAudit(trx, {
      workspace_id: workspaceId,
      actor,
      action: 'workspace.secret_rotated',
      target: workspaceId,
      meta: json({ api_key: key.api_key, generation: key.generation + 1 }),
    });
    await emitControlEvent(trx, {
      type: 'workspace.secret_rotated',
      workspace_id: workspaceId,
      api_key: key.api_key,
    });
    return ok({
      workspace_id: workspaceId,
      name: workspace.name,
      api_key: key.api_key,
      api_secret: apiSecret,
      test: workspace.is_test,
    });
  });
}

/**
 * Deletes a workspace and all of its data; its keys fail on every node at once.
 *
 * @example
 * const deleted = await deleteWorkspace(deps, 'ws_…', 'cli');
 */
export async function deleteWorkspace(
  deps: WorkspaceServiceDeps,
  workspaceId: string,
  actor: Actor,
): Promise<Result<{ workspace_id: string; deleted: true }>> {
  return withControl(deps.db, async (trx) => {
    const keys = await repo.lockActiveKeys(trx, workspaceId);
    const deleted = await repo.deleteWorkspaceRow(trx, workspaceId);
    if (!deleted) return err({ code: 'not_found', message: 'No such workspace' });
    await repo.insertAudit(trx, {
      workspace_id: workspaceId,
      actor,
      action: 'workspace.deleted',
      target: workspaceId,
    });
    await emitControlEvent(trx, {
      type: 'workspace.deleted',
      workspace_id: workspaceId,
      api_keys: keys.map((key) => key.api_key),
    });
    return ok({ workspace_id: workspaceId, deleted: true as const });
  });
}
