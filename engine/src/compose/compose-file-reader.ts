import { isMap, isPair, isScalar, isSeq, LineCounter, type Node, parseDocument } from 'yaml';
import type { ComposeProblem } from './compose-errors.js';
import { InterpolationError, type InterpolationScope, interpolate } from './interpolation.js';
import { LocationIndex, type SourceLocation } from './source-location.js';

/** Guards against alias bombs ("billion laughs"): a compose file never needs more. */
const MAX_ALIAS_COUNT = 1000;

export interface ReadComposeFile {
  /** The document as plain data, after interpolation; `undefined` when it could not be parsed. */
  data: unknown;
  locations: LocationIndex;
  problems: ComposeProblem[];
}

type Path = (string | number)[];

/**
 * One compose file's text → plain data, with the location of every key and list item and every
 * problem found on the way: YAML syntax errors (line and column), keys that appear twice in one
 * mapping (a service declared twice is the common case; YAML parsers silently keep the last), and
 * interpolation errors. Values are interpolated in the tree, so a problem points at the scalar
 * that held the `${…}`; keys are not interpolated (as in docker compose).
 */
export function readComposeFile(text: string, file: string, scope: InterpolationScope): ReadComposeFile {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: false, merge: true, prettyErrors: false });
  const at = (offset: number): SourceLocation => {
    const { line, col } = lineCounter.linePos(offset);
    return { file, line, column: col };
  };
  const locations = new LocationIndex();
  const problems: ComposeProblem[] = [];
  if (doc.errors.length > 0) {
    for (const e of doc.errors) {
      problems.push({
        kind: 'syntax',
        message: `YAML syntax error: ${firstLine(e.message)}`,
        location: at(e.pos[0]),
      });
    }
    return { data: undefined, locations, problems };
  }

  const where = (node: Node | null | undefined): SourceLocation | undefined =>
    node?.range ? at(node.range[0]) : undefined;

  const walk = (node: Node | null | undefined, path: Path): void => {
    if (!node) return;
    if (isMap(node)) {
      const seen = new Map<string, SourceLocation | undefined>();
      for (const pair of node.items) {
        if (!isPair(pair)) continue;
        const keyNode = pair.key as Node | null;
        const key = isScalar(keyNode) ? String(keyNode.value) : undefined;
        if (key === undefined || key === '<<') {
          walk(pair.value as Node | null, path);
          continue;
        }
        const loc = where(keyNode);
        const earlier = seen.get(key);
        if (seen.has(key)) problems.push(duplicate(path, key, earlier, loc));
        else seen.set(key, loc);
        if (loc) locations.set([...path, key], loc);
        walk(pair.value as Node | null, [...path, key]);
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => {
        const loc = where(item as Node | null);
        if (loc) locations.set([...path, i], loc);
        walk(item as Node | null, [...path, i]);
      });
    } else if (isScalar(node) && typeof node.value === 'string') {
      try {
        node.value = interpolate(node.value, scope);
      } catch (err: unknown) {
        if (!(err instanceof InterpolationError)) throw err;
        problems.push({
          kind: 'interpolation',
          message: `${pathText(path)}: ${err.message}`,
          location: where(node),
        });
      }
    }
    // Aliases are walked where their anchor is defined.
  };
  walk(doc.contents as Node | null, []);
  if (problems.length > 0) return { data: undefined, locations, problems };
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (err: unknown) {
    problems.push({
      kind: 'syntax',
      message: `YAML error: ${err instanceof Error ? err.message : String(err)}`,
      location: { file, line: 1, column: 1 },
    });
    return { data: undefined, locations, problems };
  }
  return { data: data ?? {}, locations, problems };
}

function firstLine(message: string): string {
  return message.split('\n')[0] ?? message;
}

/** `services.db.environment` as people write it. */
export function pathText(path: readonly (string | number)[]): string {
  return path.length === 0 ? 'the top level' : path.map(String).join('.');
}

function duplicate(
  path: Path,
  key: string,
  first: SourceLocation | undefined,
  second: SourceLocation | undefined,
): ComposeProblem {
  const lines = first ? ` (first at line ${first.line})` : '';
  let message: string;
  if (path.length === 1 && path[0] === 'services') {
    message = `service "${key}" is declared twice${lines}: rename one of them or merge the two`;
  } else if (path.length === 1 && (path[0] === 'networks' || path[0] === 'volumes')) {
    message = `${String(path[0]).slice(0, -1)} "${key}" is declared twice${lines}`;
  } else {
    message = `key "${key}" appears twice in ${pathText(path)}${lines}`;
  }
  return second ? { kind: 'duplicate', message, location: second } : { kind: 'duplicate', message };
}
