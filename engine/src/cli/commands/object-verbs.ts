import type { CliContext } from '../cli-context.js';
import { EngineApiError, type Query } from '../engine-client.js';
import { renderTemplate } from '../format-template.js';
import { err, jsonArray, out } from '../output.js';

/** Labels as `docker … ls --format json` prints them: `k=v,k2=v2`. */
export function labelsText(labels: Record<string, string> | null | undefined): string {
  return Object.entries(labels ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}

/**
 * `skiff network|volume inspect`: each object in turn; a JSON array, or one rendered `--format`
 * line per object. A missing one is named on stderr and makes the exit code 1, as in docker.
 */
export async function inspectObjects<T>(
  ctx: CliContext,
  kind: 'network' | 'volume',
  names: string[],
  pathOf: (name: string) => string,
  format: string | undefined,
): Promise<number> {
  const found: T[] = [];
  let missing = false;
  for (const name of names) {
    try {
      found.push(await ctx.client.json<T>('GET', pathOf(name)));
    } catch (e) {
      if (!(e instanceof EngineApiError) || e.status !== 404) throw e;
      err(`Error: No such ${kind}: ${name}`);
      missing = true;
    }
  }
  if (format && format !== 'json') {
    out(found.map((o) => `${renderTemplate(format, o)}\n`).join(''));
  } else {
    out(jsonArray(found));
  }
  return missing ? 1 : 0;
}

/** `skiff network|volume rm`: each object in turn; the name on success, docker's error line otherwise. */
export async function removeObjects(
  ctx: CliContext,
  names: string[],
  pathOf: (name: string) => string,
  query: Query = {},
): Promise<number> {
  let failed = false;
  for (const name of names) {
    try {
      await ctx.client.call('DELETE', pathOf(name), { query });
      out(`${name}\n`);
    } catch (e) {
      if (!(e instanceof EngineApiError)) throw e;
      err(`Error response from daemon: ${e.message}`);
      failed = true;
    }
  }
  return failed ? 1 : 0;
}
