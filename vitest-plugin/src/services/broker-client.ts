import http from 'node:http';
import { actionPath } from './service-broker.js';
import { ServiceActionError } from './service-errors.js';

/**
 * Asks the process that owns the services to run an action (`createDatabase`, `flushDatabase`,
 * `exec`) and returns its result. One request on its own connection: nothing stays open that could
 * keep a test worker (or jest's open-handle check) busy.
 */
export function callServiceAction<T>(
  socketPath: string,
  service: string,
  action: string,
  args: Record<string, unknown> = {},
): Promise<T> {
  const body = JSON.stringify(args);
  return new Promise<T>((resolve, reject) => {
    const req = http.request(
      {
        socketPath,
        path: actionPath(service, action),
        method: 'POST',
        agent: false,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          let parsed: { result?: unknown; code?: string; message?: string };
          try {
            parsed = JSON.parse(Buffer.concat(chunks).toString('utf8')) as typeof parsed;
          } catch {
            reject(new ServiceActionError(`${service}.${action}: the service owner sent a non-JSON reply`));
            return;
          }
          if (res.statusCode === 200) resolve(parsed.result as T);
          else reject(new ServiceActionError(parsed.message ?? `${service}.${action} failed`, parsed.code));
        });
      },
    );
    req.on('error', (err) =>
      reject(
        new ServiceActionError(
          `${service}.${action}: cannot reach the process that owns the services at ${socketPath} (${err.message}); ` +
            'did the test run end or its global setup fail?',
          'SKIFF_SERVICES_UNAVAILABLE',
        ),
      ),
    );
    req.end(body);
  });
}
