import type { CliContext } from '../cli-context.js';
import { EngineApiError } from '../engine-client.js';
import { renderTemplate } from '../format-template.js';
import { err, jsonArray, out } from '../output.js';
import { UsageError } from '../units.js';

export interface InspectFlags {
  format?: string;
  type?: string;
}

async function find(ctx: CliContext, name: string, type: string | undefined): Promise<unknown | undefined> {
  const byType: Record<string, string> = {
    container: `/containers/${name}/json`,
    image: `/images/${name}/json`,
    network: `/networks/${encodeURIComponent(name)}`,
  };
  const tries = type ? [byType[type] ?? ''] : Object.values(byType);
  for (const path of tries) {
    try {
      return await ctx.client.json('GET', path);
    } catch (e) {
      if (!(e instanceof EngineApiError) || e.status !== 404) throw e;
    }
  }
  return undefined;
}

/** `skiff inspect`: containers first, then images, then networks (docker's order), as a JSON array or through `--format`. */
export async function inspect(ctx: CliContext, names: string[], flags: InspectFlags): Promise<number> {
  if (flags.type && !['container', 'image', 'network'].includes(flags.type)) {
    throw new UsageError(
      `"${flags.type}" is not a valid value for --type: use container, image or network`,
      1,
    );
  }
  const found: unknown[] = [];
  let missing = false;
  for (const name of names) {
    const value = await find(ctx, name, flags.type);
    if (value === undefined) {
      missing = true;
      err(`Error: No such ${flags.type ?? 'object'}: ${name}`);
    } else {
      found.push(value);
    }
  }
  if (flags.format && flags.format !== 'json') {
    out(found.map((v) => `${renderTemplate(flags.format ?? '', v)}\n`).join(''));
  } else {
    out(jsonArray(found));
  }
  return missing ? 1 : 0;
}
