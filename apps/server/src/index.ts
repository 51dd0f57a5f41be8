export { createApp } from './app';
export { hashSecret, verifySecret } from './auth/credentials';
export { withWorkspace } from './db/scope';
export { type Config, loadConfig } from './env';
export { createLogger, type Logger } from './lib/logger';
export { type RunningServer, startServer } from './server';
export {
  createWorkspace,
  deleteWorkspace,
  listWorkspaces,
  rotateSecret,
} from './workspaces/workspace.service';
