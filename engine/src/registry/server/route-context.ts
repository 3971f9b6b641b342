import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { RegistryStorage } from './registry-storage.js';
import type { UploadSessions } from './upload-sessions.js';

/** What a route handler gets: the request, its parsed query and the server's collaborators. */
export interface RouteContext {
  req: IncomingMessage;
  res: ServerResponse;
  query: URLSearchParams;
  storage: RegistryStorage;
  uploads: UploadSessions;
  logger: Logger;
}
