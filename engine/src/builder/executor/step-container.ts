import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { NetworkManager } from '@skiff/net';
import { etcFilesFor } from '../../containers/etc-files.js';
import { errorMessage, InvalidArgumentError } from '../../errors.js';
import type { Logger } from '../../logger.js';
import { writeBundle } from '../../runtime/bundle.js';
import { minimalContainerSpec } from '../../runtime/minimal-container-spec.js';
import type { ExitStatus, OciRuntime } from '../../runtime/oci-runtime.js';
import { buildOciSpec, cgroupsPathFor, type HostFacts } from '../../runtime/oci-spec.js';
import type { OciMount } from '../../runtime/oci-spec-types.js';
import type { ResolvedUser } from '../../runtime/user-resolver.js';
import { BuildCancelledError } from './build-errors.js';
import type { BuildNetwork } from './build-types.js';

export interface StepContainerDeps {
  runtime: OciRuntime;
  hostFacts: () => Promise<HostFacts>;
  engineName: string;
  /** Bundles live in `<scratchDir>/bundles/<id>`. */
  scratchDir: string;
  network?: NetworkManager;
  logger: Logger;
}

export interface StepProcess {
  /** The container's id (also its runtime id and cgroup name). */
  id: string;
  rootfsPath: string;
  args: string[];
  env: string[];
  cwd: string;
  user: ResolvedUser;
  network: BuildNetwork;
  /** Files bind-mounted read-only into the container (a RUN heredoc with a shebang). */
  files?: { destination: string; content: string; mode: number }[];
  onOutput: (chunk: Buffer) => void;
  signal?: AbortSignal;
}

/**
 * Runs one RUN command as a container on the engine: the step's overlay rootfs, Docker's default
 * security (capabilities, seccomp, masked paths, no-new-privileges), a private pid/ipc/uts/mount
 * namespace, and the network the build chose. stdout and stderr go to `onOutput` as they come.
 * Whatever happens, the runtime state, bundle, cgroup and network sandbox are gone on return.
 */
export async function runStepContainer(deps: StepContainerDeps, proc: StepProcess): Promise<ExitStatus> {
  const bundle = path.join(deps.scratchDir, 'bundles', proc.id);
  const log = deps.logger.child({ step: proc.id.slice(0, 12) });
  let sandbox = false;
  let killed = false;
  const kill = () => {
    killed = true;
    deps.runtime.kill(proc.id, 'SIGKILL', { all: true }).catch(() => undefined);
  };
  try {
    await mkdir(bundle, { recursive: true, mode: 0o700 });
    const hostname = proc.id.slice(0, 12);
    let netns: string | undefined;
    let etc: { hosts: string; hostname: string; resolvConf: string };
    if (proc.network === 'bridge') {
      if (!deps.network) {
        throw new InvalidArgumentError(
          'RUN --network=bridge needs the network manager, which this engine runs without',
        );
      }
      sandbox = true;
      const box = await deps.network.createSandbox({
        containerId: proc.id,
        containerName: `build-${hostname}`,
        hostname,
        domainname: '',
        mode: { kind: 'bridge', endpoints: [] },
        ports: [],
        extraHosts: [],
        dns: [],
        dnsSearch: [],
        dnsOptions: [],
      });
      netns = box.netnsPath;
      etc = { hosts: box.hosts, hostname: `${box.hostname}\n`, resolvConf: box.resolvConf };
    } else {
      etc = await etcFilesFor(proc.network, {
        hostname: proc.network === 'host' ? (await deps.hostFacts()).hostname : hostname,
        domainname: '',
        extraHosts: [],
        resolv: { dns: [], dnsSearch: [], dnsOptions: [] },
      });
    }
    const etcPaths = {
      hosts: path.join(bundle, 'hosts'),
      hostname: path.join(bundle, 'hostname'),
      resolvConf: path.join(bundle, 'resolv.conf'),
    };
    await Promise.all([
      writeFile(etcPaths.hosts, etc.hosts, { mode: 0o644 }),
      writeFile(etcPaths.hostname, etc.hostname, { mode: 0o644 }),
      writeFile(etcPaths.resolvConf, etc.resolvConf, { mode: 0o644 }),
    ]);
    const extraMounts: OciMount[] = [];
    for (const [i, file] of (proc.files ?? []).entries()) {
      const source = path.join(bundle, `file-${i}`);
      await writeFile(source, file.content, { mode: file.mode });
      extraMounts.push({
        destination: file.destination,
        type: 'bind',
        source,
        options: ['bind', 'ro', 'rprivate'],
      });
    }
    const spec = minimalContainerSpec({
      name: `build-${hostname}`,
      image: 'build-step',
      cmd: proc.args,
      entrypoint: [],
      env: proc.env,
      workingDir: proc.cwd,
      hostname: proc.network === 'host' ? '' : hostname,
      networkMode: proc.network === 'bridge' ? 'bridge' : proc.network,
    });
    let oci = buildOciSpec(spec, {
      containerId: proc.id,
      rootfsPath: proc.rootfsPath,
      user: proc.user,
      ...(netns ? { networkNamespacePath: netns } : {}),
      etcFiles: etcPaths,
      cgroupsPath: cgroupsPathFor(deps.engineName, proc.id),
      host: await deps.hostFacts(),
    });
    oci.mounts.push(...extraMounts);
    if (deps.runtime.prepareSpec) oci = await deps.runtime.prepareSpec(oci);
    await writeBundle(bundle, oci);
    if (proc.signal?.aborted) throw new BuildCancelledError();
    const child = deps.runtime.run(proc.id, bundle, { stdin: false, tty: false });
    proc.signal?.addEventListener('abort', kill, { once: true });
    const streams = [child.stdout, child.stderr].filter((s) => s !== null);
    const drained = Promise.all(
      streams.map(
        (s) =>
          new Promise<void>((resolve) => {
            s.on('data', (chunk: Buffer) => proc.onOutput(chunk));
            s.once('close', resolve);
            s.once('end', resolve);
            s.once('error', () => resolve());
          }),
      ),
    );
    const status = await child.exited;
    await drained;
    if (killed) return { exitCode: 137, signal: 'SIGKILL', error: 'the build was cancelled' };
    return status;
  } finally {
    proc.signal?.removeEventListener('abort', kill);
    await deps.runtime
      .delete(proc.id, { force: true })
      .catch((err: unknown) => log.warn({ err: errorMessage(err) }, 'cannot delete the step container'));
    if (sandbox) {
      await deps.network
        ?.releaseSandbox(proc.id)
        .catch((err: unknown) => log.warn({ err: errorMessage(err) }, 'cannot release the step sandbox'));
    }
    await rm(bundle, { recursive: true, force: true });
  }
}
