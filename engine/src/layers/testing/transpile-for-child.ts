import { mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import ts from 'typescript';

/**
 * Node 20 cannot run TypeScript, so a test that needs the real module in a child process (to
 * prove cross-process locking) or a worker thread transpiles `entry` and every relative import it
 * reaches into `outDir`, keeping the tree under `srcRoot`. Returns the path of the transpiled
 * entry. With `nodeModules`, `outDir/node_modules` links to it so bare imports (tar-stream)
 * resolve from the transpiled tree.
 */
export async function transpileForChild(
  entry: string,
  srcRoot: string,
  outDir: string,
  options: { nodeModules?: string } = {},
): Promise<string> {
  const seen = new Set<string>();
  const visit = async (file: string): Promise<void> => {
    if (seen.has(file)) return;
    seen.add(file);
    const source = await readFile(file, 'utf8');
    const out = ts.transpileModule(source, {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
    }).outputText;
    const target = path.join(outDir, path.relative(srcRoot, file)).replace(/\.ts$/, '.js');
    await mkdir(path.dirname(target), { recursive: true });
    await writeFile(target, out);
    for (const m of source.matchAll(/from '(\.{1,2}\/[^']+)\.js'/g)) {
      await visit(path.resolve(path.dirname(file), `${m[1]}.ts`));
    }
  };
  await visit(entry);
  await writeFile(path.join(outDir, 'package.json'), '{"type":"module"}');
  if (options.nodeModules) await symlink(options.nodeModules, path.join(outDir, 'node_modules'));
  return path.join(outDir, path.relative(srcRoot, entry)).replace(/\.ts$/, '.js');
}

/** Runs an ES module script in a fresh Node process; resolves with its stdout. */
export async function runNodeScript(script: string): Promise<string> {
  const { spawn } = await import('node:child_process');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c;
    });
    child.stderr.on('data', (c: Buffer) => {
      err += c;
    });
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`child exited ${code}: ${err}`)),
    );
  });
}
