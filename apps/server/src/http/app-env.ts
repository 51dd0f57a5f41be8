import type { ServerPrincipal } from '../auth/server-auth';
import type { UserPrincipal } from '../auth/user-token';

/** The caller of an authenticated request. */
export type Principal = ServerPrincipal | UserPrincipal;

/** Hono's typed context variables for every route. */
export interface AppEnv {
  Variables: {
    requestId: string;
    auth: Principal | undefined;
  };
}
