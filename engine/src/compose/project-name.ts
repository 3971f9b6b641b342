/** Compose's rule for project names: lowercase letters, digits, `_` and `-`, starting with a letter or digit. */
export const PROJECT_NAME = /^[a-z0-9][a-z0-9_-]*$/;

/**
 * A directory name as compose turns it into a default project name: lowercased, every character
 * that is not allowed dropped (`My App` → `myapp`).
 */
export function normalizeProjectName(raw: string): string {
  return raw
    .toLowerCase()
    .replace(/[^a-z0-9_-]/g, '')
    .replace(/^[_-]+/, '');
}

export function isValidProjectName(name: string): boolean {
  return PROJECT_NAME.test(name);
}
