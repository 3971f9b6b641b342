import { cleanPath } from './pattern-matcher.js';

/**
 * Reads `.dockerignore` text into patterns as Docker does (moby/patternmatcher/ignorefile): a
 * UTF-8 BOM is dropped; lines starting with `#` are comments; lines are trimmed and blank ones
 * skipped; each pattern (after an optional `!`) is cleaned like filepath.Clean and loses a leading `/`.
 */
export function parseIgnoreFile(text: string): string[] {
  const patterns: string[] = [];
  const lines = text.replace(/^\uFEFF/, '').split('\n');
  for (const line of lines) {
    if (line.startsWith('#')) continue;
    let pattern = line.trim();
    if (pattern === '') continue;
    const invert = pattern.startsWith('!');
    if (invert) pattern = pattern.slice(1).trim();
    if (pattern.length > 0) {
      pattern = cleanPath(pattern);
      if (pattern.length > 1 && pattern.startsWith('/')) pattern = pattern.slice(1);
    }
    patterns.push(invert ? `!${pattern}` : pattern);
  }
  return patterns;
}
