import http from 'node:http';
import type { NotesStore } from './notes-store.js';

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function send(
  res: http.ServerResponse,
  status: number,
  body?: unknown,
  headers: Record<string, string> = {},
): void {
  const text = body === undefined ? '' : JSON.stringify(body);
  res.writeHead(status, { ...(text ? { 'content-type': 'application/json' } : {}), ...headers });
  res.end(text);
}

async function readNote(req: http.IncomingMessage): Promise<{ title: string; body: string }> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > 64 * 1024) throw new HttpError(413, 'request body over 64 KiB');
    chunks.push(chunk as Buffer);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new HttpError(400, 'the body must be JSON');
  }
  const { title, body = '' } = (parsed ?? {}) as { title?: unknown; body?: unknown };
  if (typeof title !== 'string' || title.trim() === '' || title.length > 200)
    throw new HttpError(400, 'title must be a string of 1 to 200 characters');
  if (typeof body !== 'string') throw new HttpError(400, 'body must be a string');
  return { title: title.trim(), body };
}

function noteId(text: string | undefined): number {
  const id = Number(text);
  if (!Number.isSafeInteger(id) || id < 1) throw new HttpError(404, 'no such note');
  return id;
}

/**
 * The example service: a small JSON API over notes.
 *
 * GET /notes · POST /notes · GET|PUT|DELETE /notes/:id · GET /healthz.
 * `GET /notes/:id` answers with `x-cache: hit` or `miss`.
 */
export function createApp(
  store: NotesStore,
  health: () => Promise<void> = async () => undefined,
): http.Server {
  return http.createServer((req, res) => {
    const route = async () => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const [, first, second, ...rest] = url.pathname.split('/');
      if (first === 'healthz' && second === undefined && req.method === 'GET') {
        await health();
        return send(res, 200, { ok: true });
      }
      if (first !== 'notes' || rest.length > 0) throw new HttpError(404, 'not found');
      if (second === undefined || second === '') {
        if (req.method === 'GET') return send(res, 200, await store.list());
        if (req.method === 'POST') {
          const { title, body } = await readNote(req);
          const note = await store.create(title, body);
          return send(res, 201, note, { location: `/notes/${note.id}` });
        }
        throw new HttpError(405, 'method not allowed');
      }
      const id = noteId(second);
      if (req.method === 'GET') {
        const { note, source } = await store.get(id);
        if (!note) throw new HttpError(404, 'no such note');
        return send(res, 200, note, { 'x-cache': source === 'cache' ? 'hit' : 'miss' });
      }
      if (req.method === 'PUT') {
        const { title, body } = await readNote(req);
        const note = await store.update(id, title, body);
        if (!note) throw new HttpError(404, 'no such note');
        return send(res, 200, note);
      }
      if (req.method === 'DELETE') {
        if (!(await store.remove(id))) throw new HttpError(404, 'no such note');
        return send(res, 204);
      }
      throw new HttpError(405, 'method not allowed');
    };
    route().catch((err: unknown) => {
      if (err instanceof HttpError) send(res, err.status, { error: err.message });
      else send(res, 500, { error: 'internal error' });
    });
  });
}
