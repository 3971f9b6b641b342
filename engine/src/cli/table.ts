/**
 * Docker's table layout: Go's tabwriter with minwidth 10, padding 3, space-padded, the last column
 * not padded (`cli/command/formatter`). Widths count code points, which is what tabwriter does.
 */
export function formatTable(header: string[], rows: string[][]): string {
  const all = [header, ...rows];
  const widths = header.map((_, col) => Math.max(10, ...all.map((r) => [...(r[col] ?? '')].length + 3)));
  return all
    .map((r) =>
      r
        .map((cell, col) =>
          col === r.length - 1 ? cell : cell + ' '.repeat(widths[col]! - [...cell].length),
        )
        .join('')
        .trimEnd(),
    )
    .join('\n')
    .concat('\n');
}

/** Docker's short ID: 12 hex characters, without the `sha256:` prefix. */
export function shortId(id: string): string {
  const hex = id.startsWith('sha256:') ? id.slice('sha256:'.length) : id;
  return hex.slice(0, 12);
}

/** Truncates to `max` code points with an ellipsis, as `docker ps` does for COMMAND. */
export function ellipsis(text: string, max: number): string {
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join('')}…`;
}
