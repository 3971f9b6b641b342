import { stat } from 'node:fs/promises';
import { socketAnswers } from '../../api/unix-socket.js';
import { loadEngineConfig } from '../../config.js';
import type { CliContext } from '../cli-context.js';
import { jsonLine, out } from '../output.js';

interface CheckLine {
  name: string;
  ok: boolean;
  detail: string;
  fix?: string;
  /** Failing it does not stop the engine (it fixes it at start, or another runtime takes over). */
  advisory?: boolean;
}

interface EngineRuntime {
  SkiffRuntime?: { name: string; version: string; reason: string };
  RegistryConfig?: { Mirrors?: string[]; IndexConfigs?: Record<string, { Secure?: boolean }> };
}

interface RegistrySummary {
  /** Where the lists come from: the running engine's `/info`, or this environment. */
  from: 'engine' | 'environment';
  mirrors: string[];
  insecure: string[];
  /** Registries with stored credentials and where they live; never the secrets. */
  credentials: { server: string; source: string }[];
}

async function pathLine(name: string, p: string, expect: 'dir' | 'socket'): Promise<CheckLine> {
  const st = await stat(p).catch(() => undefined);
  if (!st) return { name, ok: true, detail: `${p} (not created yet)`, advisory: true };
  const mode = (st.mode & 0o777).toString(8).padStart(4, '0');
  if (expect === 'socket' && !st.isSocket()) {
    return { name, ok: false, detail: `${p} exists but is not a socket`, fix: 'remove it or set SKIFF_HOST' };
  }
  return { name, ok: true, detail: `${p} (mode ${mode})` };
}

/**
 * `skiff doctor`: the host checks of `runtime/host-check.ts` (root, overlayfs, namespaces, cgroups
 * and the hybrid-layout hugetlb fix, crun/runc), the runtime the engine uses and why, and the paths.
 * Runs in the CLI process and never starts the engine; exit code 1 when something required fails.
 */
export async function doctor(ctx: CliContext, flags: { json?: boolean }): Promise<number> {
  const [{ runHostChecks }, { systemHostOps }] = await Promise.all([
    import('../../runtime/host-check.js'),
    import('../../runtime/host-ops.js'),
  ]);
  const config = loadEngineConfig(process.env);
  const checks: CheckLine[] = (await runHostChecks(systemHostOps())).map((c) => ({
    ...c,
    advisory: c.advisory || c.name === 'cgroup2 controllers' || c.name === 'crun' || c.name === 'runc',
  }));
  const crun = checks.find((c) => c.name === 'crun');
  const runc = checks.find((c) => c.name === 'runc');
  if (!crun?.ok && !runc?.ok) {
    checks.push({
      name: 'OCI runtime',
      ok: false,
      detail: 'neither crun nor runc runs',
      fix: 'apt-get install -y crun runc',
    });
  }

  const answering = await socketAnswers(ctx.socketPath, 500);
  let runtime: string;
  const registries: RegistrySummary = {
    from: 'environment',
    mirrors: config.registryMirrors,
    insecure: config.insecureRegistries,
    credentials: [],
  };
  if (answering) {
    const info = await ctx.client.json<EngineRuntime>('GET', '/info');
    // The reason names the runtime and its version: `crun 1.8.1: ran a trial container in 35 ms`.
    runtime = info.SkiffRuntime?.reason ?? 'unknown (the engine did not say)';
    if (info.RegistryConfig) {
      registries.from = 'engine';
      registries.mirrors = info.RegistryConfig.Mirrors ?? [];
      registries.insecure = Object.entries(info.RegistryConfig.IndexConfigs ?? {})
        .filter(([, c]) => c.Secure === false)
        .map(([name]) => name);
    }
  } else {
    const preferred = config.runtime
      ? `SKIFF_RUNTIME=${config.runtime}`
      : 'crun, unless its trial container fails (then runc)';
    runtime = `engine not running; it will choose ${preferred} at start`;
  }
  const paths: CheckLine[] = [
    await pathLine('socket', ctx.socketPath, 'socket'),
    await pathLine('root', config.root, 'dir'),
    await pathLine('state', config.stateDir, 'dir'),
    await pathLine('scratch', config.scratchDir, 'dir'),
  ];
  const failed = checks.some((c) => !c.ok && !c.advisory) || paths.some((p) => !p.ok);
  const { DockerConfigStore } = await import('../../registry/client/docker-config-store.js');
  const { defaultDockerConfigPath } = await import('../../registry/client/docker-config-credentials.js');
  const dockerConfig = new DockerConfigStore(defaultDockerConfigPath());
  registries.credentials = await dockerConfig.sources();

  const { explainTestEngine } = await import('../test-engine-explanation.js');
  const testEngine = await explainTestEngine();

  if (flags.json) {
    out(jsonLine({ ok: !failed, checks, runtime, engineRunning: answering, paths, registries, testEngine }));
    return failed ? 1 : 0;
  }
  const mark = (c: CheckLine) => (c.ok ? '[ok]  ' : c.advisory ? '[warn]' : '[FAIL]');
  const lines: string[] = ['Host:'];
  for (const c of checks) {
    lines.push(`  ${mark(c)} ${c.name.padEnd(20)} ${c.detail}`);
    if (!c.ok && c.fix) lines.push(`         ${''.padEnd(20)} fix: ${c.fix}`);
  }
  lines.push(
    '',
    `Runtime: ${runtime}`,
    '',
    `Engine: ${answering ? 'answering' : 'not running'} on unix://${ctx.socketPath}`,
  );
  lines.push('Paths:');
  for (const p of paths) {
    lines.push(`  ${mark(p)} ${p.name.padEnd(20)} ${p.detail}`);
    if (!p.ok && p.fix) lines.push(`         ${''.padEnd(20)} fix: ${p.fix}`);
  }
  const none = (list: readonly string[]) => (list.length === 0 ? ['(none)'] : list);
  lines.push(
    '',
    `Registries (${registries.from === 'engine' ? "the engine's settings" : 'this environment'}):`,
  );
  lines.push(`  mirrors (SKIFF_REGISTRY_MIRRORS):             ${none(registries.mirrors).join(', ')}`);
  lines.push(
    `  insecure (SKIFF_INSECURE_REGISTRIES):        ${none(registries.insecure).join(', ')} (loopback is always plain HTTP)`,
  );
  lines.push(`  credentials (${dockerConfig.configPath}):`);
  if (registries.credentials.length === 0) lines.push('    (none: run skiff login SERVER)');
  for (const c of registries.credentials) lines.push(`    ${c.server.padEnd(30)} in ${c.source}`);
  if (testEngine) {
    lines.push(
      '',
      'Tests (@skiff/core) would use:',
      ...testEngine
        .trimEnd()
        .split('\n')
        .map((l) => `  ${l}`),
    );
  }
  lines.push(
    '',
    failed
      ? 'Something required is missing: see the FAIL lines above.'
      : 'Everything the engine needs is here.',
  );
  out(`${lines.join('\n')}\n`);
  return failed ? 1 : 0;
}
