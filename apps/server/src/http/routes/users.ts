import { ListUsersQuery, UpsertUserBody } from '@cariosan/protocol';
import { Hono } from 'hono';
import type { Deps } from '../../deps';
import {
  deleteUser,
  getUser,
  listUsers,
  revokeUserTokens,
  upsertUser,
} from '../../users/user.service';
import { requireServer, resolveActor } from '../actor';
import type { AppEnv } from '../app-env';
import { pathParam } from '../params';
import { parseInput, readJson } from '../validate';

/**
 * `/v1/users`: upsert, read, list, delete, revoke tokens. Provisioning is the backend's job,
 * so everything but reading a profile needs the server key pair.
 *
 * @example
 * v1.route('/users', userRoutes(deps));
 */
export function userRoutes(deps: Deps): Hono<AppEnv> {
  const routes = new Hono<AppEnv>();
  const db = deps.database.db;
  const workspaceOf = (c: { get(key: 'auth'): AppEnv['Variables']['auth'] }) =>
    c.get('auth')!.workspaceId;

  routes.put('/:user_id', async (c) => {
    requireServer(c.get('auth'));
    const userId = pathParam(c, 'user_id');
    const body = await readJson(c, UpsertUserBody);
    const { user, created } = await upsertUser(db, workspaceOf(c), userId, body);
    return c.json(user, created ? 201 : 200);
  });
  routes.get('/', async (c) => {
    requireServer(c.get('auth'));
    const query = parseInput(ListUsersQuery, c.req.query());
    return c.json(await listUsers(db, workspaceOf(c), query));
  });
  routes.get('/:user_id', async (c) =>
    c.json(await getUser(db, resolveActor(c.get('auth'), undefined), pathParam(c, 'user_id'))),
  );
  routes.delete('/:user_id', async (c) => {
    requireServer(c.get('auth'));
    return c.json(await deleteUser(db, workspaceOf(c), pathParam(c, 'user_id')));
  });
  routes.post('/:user_id/revoke-tokens', async (c) => {
    requireServer(c.get('auth'));
    return c.json(await revokeUserTokens(db, workspaceOf(c), pathParam(c, 'user_id')));
  });
  return routes;
}
