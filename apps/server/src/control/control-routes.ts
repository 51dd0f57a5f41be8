import {
  CreateWorkspaceBody,
  EnsureWorkspaceBody,
  ExternalId,
  WorkspaceId,
} from '@cariosan/protocol';
import { Hono } from 'hono';
import type { Deps } from '../deps';
import type { AppEnv } from '../http/app-env';
import { errorResponse } from '../http/errors';
import { requestContext } from '../http/middleware/request-context';
import { parseInput, readJson } from '../http/validate';
import { AppError, toAppError } from '../lib/errors';
import type { Failure, Result } from '../lib/result';
import {
  createWorkspace,
  deleteWorkspace,
  ensureWorkspace,
  listWorkspaces,
  rotateSecret,
} from '../workspaces/workspace.service';

function unwrap<T>(result: Result<T, Failure>): T {
  if (result.ok) return result.value;
  throw new AppError(
    result.error.code,
    result.error.message,
    result.error.field ? { field: result.error.field } : {},
  );
}

/**
 * Workspace administration: create, list, rotate-secret, delete. Served on the control socket
 * (what the CLI uses while the server runs), never on the public port.
 *
 * @example
 * const app = controlRoutes(deps, 'cli');
 */
export function controlRoutes(deps: Deps, actor: string): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const service = { db: deps.database.db, masterKey: deps.masterKey };
  app.post('/workspaces', async (c) => {
    const body = await readJson(c, CreateWorkspaceBody);
    const created = unwrap(
      await createWorkspace(
        service,
        { name: body.name, test: body.test, externalId: body.external_id },
        actor,
      ),
    );
    deps.logger.info('workspace created', { workspace_id: created.workspace_id, actor });
    return c.json(created, 201);
  });
  app.get('/workspaces', async (c) => c.json({ workspaces: await listWorkspaces(service) }));
  app.put('/workspaces/by-external-id/:externalId', async (c) => {
    const externalId = parseInput(ExternalId, c.req.param('externalId'));
    const body = await readJson(c, EnsureWorkspaceBody);
    const ensured = unwrap(
      await ensureWorkspace(service, { externalId, name: body.name, test: body.test }, actor),
    );
    if (ensured.created)
      deps.logger.info('workspace created', { workspace_id: ensured.workspace_id, actor });
    return c.json(ensured, ensured.created ? 201 : 200);
  });
  app.post('/workspaces/:id/rotate-secret', async (c) => {
    const id = parseInput(WorkspaceId, c.req.param('id'));
    const rotated = unwrap(await rotateSecret(service, id, actor));
    deps.logger.info('workspace secret rotated', { workspace_id: id, actor });
    return c.json(rotated);
  });
  app.delete('/workspaces/:id', async (c) => {
    const id = parseInput(WorkspaceId, c.req.param('id'));
    const deleted = unwrap(await deleteWorkspace(service, id, actor));
    deps.logger.info('workspace deleted', { workspace_id: id, actor });
    return c.json(deleted);
  });
  app.notFound((c) => errorResponse(c, new AppError('not_found', 'No such control route')));
  app.onError((error, c) => {
    const appError = toAppError(error);
    if (appError.code === 'internal_error') deps.logger.error('control route failed', { error });
    return errorResponse(c, appError);
  });
  return app;
}

/**
 * Control routes as a standalone app with request ids and access logs: what the control
 * socket serves and what the CLI runs in-process.
 *
 * @example
 * await serveControlSocket(controlApp(deps, 'cli'), path);
 */
export function controlApp(deps: Deps, actor: string): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.use(requestContext(deps.logger));
  app.route('/', controlRoutes(deps, actor));
  return app;
}
