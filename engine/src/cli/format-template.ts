import { UsageError } from './units.js';

/**
 * A small subset of Go templates for `--format`: literal text, `{{.Field.Sub}}`, `{{json .Field}}`,
 * `{{index .Field "key"}}` and `{{.}}`. Enough for the scripts that read one value
 * (`{{.State.Status}}`, `{{.NetworkSettings.IPAddress}}`, `{{json .Config.Labels}}`).
 */
export function renderTemplate(template: string, value: unknown): string {
  return template.replace(/\{\{\s*(.*?)\s*\}\}/g, (_, expr: string) => {
    const words = expr.match(/"[^"]*"|\S+/g) ?? [];
    const [fn, ...args] = words;
    if (fn === 'json') return JSON.stringify(lookup(value, args[0] ?? '.'));
    if (fn === 'index') {
      const base = lookup(value, args[0] ?? '.');
      const key = (args[1] ?? '').replace(/^"|"$/g, '');
      return show(
        typeof base === 'object' && base !== null ? (base as Record<string, unknown>)[key] : undefined,
      );
    }
    if (fn === 'upper' || fn === 'lower') {
      const text = show(lookup(value, args[0] ?? '.'));
      return fn === 'upper' ? text.toUpperCase() : text.toLowerCase();
    }
    if (fn?.startsWith('.') && args.length === 0) return show(lookup(value, fn));
    throw new UsageError(`template: unsupported expression {{${expr}}}`, 1);
  });
}

function lookup(value: unknown, path: string): unknown {
  if (!path.startsWith('.'))
    throw new UsageError(`template: expected a field like .State.Status, got ${path}`, 1);
  let current = value;
  for (const part of path.split('.').filter((p) => p !== '')) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}

/** Go prints `<no value>` for missing fields and maps/slices in its own syntax; JSON is more useful. */
function show(v: unknown): string {
  if (v === undefined) return '<no value>';
  if (v === null) return '<nil>';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}
