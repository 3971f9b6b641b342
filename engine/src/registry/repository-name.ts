/**
 * Repository names as the distribution spec defines them: path components of lowercase
 * alphanumerics separated by `.`, `_`, `__` or dashes, joined by `/`, at most 255 characters.
 * Anything else — `..`, empty components, percent escapes — is refused before it touches a path.
 */
const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;

export function isRepositoryName(name: string): boolean {
  if (name.length === 0 || name.length > 255) return false;
  return name.split('/').every((c) => COMPONENT.test(c));
}

export function isTag(tag: string): boolean {
  return TAG.test(tag);
}
