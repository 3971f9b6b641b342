/** Where something is in a compose file: 1-based line and column, as editors count. */
export interface SourceLocation {
  file: string;
  line: number;
  column: number;
}

/** `compose.yaml:12:5`: what an editor's "go to" understands. */
export function formatLocation(loc: SourceLocation): string {
  return `${loc.file}:${loc.line}:${loc.column}`;
}

/**
 * Locations of the keys and values of a loaded document, keyed by their path (`services.db.image`;
 * list items by index, `services.db.ports.0`). `find` falls back to the nearest enclosing path, so
 * a value that was produced by merging or defaults still points somewhere useful.
 */
export class LocationIndex {
  private readonly byPath = new Map<string, SourceLocation>();

  set(path: readonly (string | number)[], loc: SourceLocation): void {
    this.byPath.set(path.join('\u0000'), loc);
  }

  /** Copies every location of `other` (a later file wins, as its values do when merged). */
  absorb(other: LocationIndex): void {
    for (const [k, v] of other.byPath) this.byPath.set(k, v);
  }

  find(path: readonly (string | number)[]): SourceLocation | undefined {
    for (let n = path.length; n >= 0; n--) {
      const loc = this.byPath.get(path.slice(0, n).join('\u0000'));
      if (loc) return loc;
    }
    return undefined;
  }
}
