// A minimal TypeScript loader for child processes of e2e tests (the tests' own code runs under
// vitest; a child process that must run engine code from source uses this instead):
//   node --import ./ts-register.mjs child.ts
// `.js` specifiers resolve to the `.ts` file next to them, and `.ts` files are transpiled
// (types erased) with the repository's TypeScript.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

export async function resolve(specifier, context, next) {
  const local = specifier.startsWith('.') || specifier.startsWith('/') || specifier.startsWith('file:');
  if (specifier.endsWith('.js') && local && context.parentURL) {
    const url = new URL(specifier.replace(/\.js$/, '.ts'), context.parentURL);
    if (existsSync(fileURLToPath(url))) return { url: url.href, shortCircuit: true };
  }
  return next(specifier, context);
}

let ts;
export async function load(url, context, next) {
  if (!url.endsWith('.ts')) return next(url, context);
  ts ??= (await import('typescript')).default;
  const source = await readFile(fileURLToPath(url), 'utf8');
  const { outputText } = ts.transpileModule(source, {
    fileName: fileURLToPath(url),
    compilerOptions: {
      module: ts.ModuleKind.ESNext,
      target: ts.ScriptTarget.ES2022,
      verbatimModuleSyntax: true,
      sourceMap: false,
    },
  });
  return { format: 'module', source: outputText, shortCircuit: true };
}
