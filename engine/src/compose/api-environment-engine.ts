import path from 'node:path';
import type { Readable } from 'node:stream';
import type {
  ContainerCreateBody,
  ContainerInspectWire,
  ContainerSummaryWire,
} from '../api/wire/container-wire.js';
import { packContext } from '../cli/commands/build.js';
import { EngineApiError, type EngineClient } from '../cli/engine-client.js';
import { readProgress } from '../cli/image-pull.js';
import type { ProgressMessage } from '../images/image-service.js';
import type {
  BuildRequest,
  EnvironmentEngine,
  NamedResource,
  SessionHold,
  SessionSummary,
} from './environment-engine.js';

const SESSIONS = '/skiff/v1/sessions';

function labelFilter(labels: readonly string[]): string | undefined {
  return labels.length > 0 ? JSON.stringify({ label: labels }) : undefined;
}

async function orUndefined<T>(fn: () => Promise<T>): Promise<T | undefined> {
  try {
    return await fn();
  } catch (err: unknown) {
    if (err instanceof EngineApiError && err.status === 404) return undefined;
    throw err;
  }
}

interface SessionWire {
  Id: string;
  Labels?: Record<string, string>;
  ExpiresAt?: string;
  Keepalives?: number;
}

/** `EnvironmentEngine` over the Docker Engine API, through the CLI's client on the engine's socket. */
export class ApiEnvironmentEngine implements EnvironmentEngine {
  constructor(private readonly client: EngineClient) {}

  async supportsSessions(): Promise<boolean> {
    const res = await this.client.request('GET', '/_ping');
    res.resume();
    return res.headers['skiff-sessions'] === '1';
  }

  async createSession(input: {
    graceMs?: number;
    ttlMs?: number;
    labels: Record<string, string>;
  }): Promise<{ id: string }> {
    const body: Record<string, unknown> = { Labels: input.labels };
    if (input.graceMs !== undefined) body.GraceMs = input.graceMs;
    if (input.ttlMs !== undefined) body.TtlMs = input.ttlMs;
    const created = await this.client.json<{ Id: string; TtlMs?: number }>('POST', SESSIONS, { body });
    if (input.ttlMs !== undefined && created.TtlMs === undefined) {
      // An engine that predates TtlMs would treat this as an ordinary session and reap it 30 s
      // after creation (no keepalive came): refuse rather than lose the environment early.
      await this.deleteSession(created.Id);
      throw new Error('this engine does not support session TTLs (TtlMs); update skiffd to use --ttl');
    }
    return { id: created.Id };
  }

  async holdSession(id: string): Promise<SessionHold> {
    const res = await this.client.request('GET', `${SESSIONS}/${id}/keepalive`);
    res.resume();
    return { release: () => res.destroy() };
  }

  async deleteSession(id: string): Promise<void> {
    await this.client.call('DELETE', `${SESSIONS}/${id}`, { accept: [404] });
  }

  async listSessions(): Promise<SessionSummary[]> {
    const list = await this.client.json<SessionWire[]>('GET', SESSIONS);
    return list.map((s) => {
      const out: SessionSummary = { id: s.Id, labels: s.Labels ?? {}, keepalives: s.Keepalives ?? 0 };
      if (s.ExpiresAt) out.expiresAt = s.ExpiresAt;
      return out;
    });
  }

  listContainers(labels: readonly string[], all = true): Promise<ContainerSummaryWire[]> {
    return this.client.json<ContainerSummaryWire[]>('GET', '/containers/json', {
      query: { all: all ? 1 : undefined, filters: labelFilter(labels) },
    });
  }

  inspectContainer(idOrName: string): Promise<ContainerInspectWire | undefined> {
    return orUndefined(() => this.client.json<ContainerInspectWire>('GET', `/containers/${idOrName}/json`));
  }

  async createContainer(name: string, body: ContainerCreateBody): Promise<string> {
    const created = await this.client.json<{ Id: string }>('POST', '/containers/create', {
      query: { name },
      body,
    });
    return created.Id;
  }

  async startContainer(id: string): Promise<void> {
    await this.client.call('POST', `/containers/${id}/start`, { accept: [304] });
  }

  async stopContainer(id: string, timeoutSeconds?: number): Promise<void> {
    await this.client.call('POST', `/containers/${id}/stop`, {
      query: { t: timeoutSeconds },
      accept: [304, 404],
    });
  }

  async removeContainer(id: string, options: { force: boolean; volumes: boolean }): Promise<void> {
    await this.client.call('DELETE', `/containers/${id}`, {
      query: { force: options.force ? 1 : undefined, v: options.volumes ? 1 : undefined },
      accept: [404],
    });
  }

  async containerLogs(
    id: string,
    options: { follow: boolean; tail?: string; since?: string; until?: string; timestamps?: boolean },
  ): Promise<Readable> {
    return this.client.request('GET', `/containers/${id}/logs`, {
      query: {
        stdout: 1,
        stderr: 1,
        follow: options.follow ? 1 : undefined,
        tail: options.tail,
        since: options.since,
        until: options.until,
        timestamps: options.timestamps ? 1 : undefined,
      },
    });
  }

  async imageId(ref: string): Promise<string | undefined> {
    const image = await orUndefined(() => this.client.json<{ Id: string }>('GET', `/images/${ref}/json`));
    return image?.Id;
  }

  async pullImage(ref: string, onProgress: (m: ProgressMessage) => void, platform?: string): Promise<void> {
    const res = await this.client.request('POST', '/images/create', {
      query: { fromImage: ref, platform },
      headers: { 'X-Registry-Auth': 'e30=' },
    });
    await readProgress(res, onProgress);
  }

  async buildImage(request: BuildRequest, onProgress: (m: ProgressMessage) => void): Promise<string> {
    const dockerfile = request.dockerfile ? path.resolve(request.context, request.dockerfile) : undefined;
    const context = await packContext(request.context, dockerfile);
    await this.client.ping();
    const res = await this.client.request('POST', '/build', {
      query: {
        t: request.tag,
        dockerfile: context.dockerfile,
        buildargs: JSON.stringify(request.args),
        labels: Object.keys(request.labels).length > 0 ? JSON.stringify(request.labels) : undefined,
        target: request.target,
        nocache: request.noCache ? 1 : undefined,
        pull: request.pull ? 1 : undefined,
        rm: 1,
        version: 1,
      },
      headers: { 'Content-Type': 'application/x-tar' },
      body: context.tar,
    });
    let id = '';
    await readProgress(res, (m) => {
      const aux = m.aux as { ID?: unknown } | undefined;
      if (typeof aux?.ID === 'string') id = aux.ID;
      onProgress(m);
    });
    return id || ((await this.imageId(request.tag)) ?? '');
  }

  async listNetworks(labels: readonly string[]): Promise<NamedResource[]> {
    const list = await this.client.json<
      { Id: string; Name: string; Labels?: Record<string, string> | null }[]
    >('GET', '/networks', { query: { filters: labelFilter(labels) } });
    return list.map((n) => ({ id: n.Id, name: n.Name, labels: n.Labels ?? {} }));
  }

  async inspectNetwork(name: string): Promise<NamedResource | undefined> {
    const n = await orUndefined(() =>
      this.client.json<{ Id: string; Name: string; Labels?: Record<string, string> | null }>(
        'GET',
        `/networks/${name}`,
      ),
    );
    return n && { id: n.Id, name: n.Name, labels: n.Labels ?? {} };
  }

  async createNetwork(body: {
    Name: string;
    Labels: Record<string, string>;
    Internal?: boolean;
  }): Promise<string> {
    const created = await this.client.json<{ Id: string }>('POST', '/networks/create', {
      body: { ...body, Driver: 'bridge', CheckDuplicate: true, Attachable: true },
    });
    return created.Id;
  }

  async removeNetwork(id: string): Promise<void> {
    await this.client.call('DELETE', `/networks/${id}`, { accept: [404] });
  }

  async listVolumes(labels: readonly string[]): Promise<NamedResource[]> {
    const list = await this.client.json<{
      Volumes: { Name: string; Labels?: Record<string, string> | null }[] | null;
    }>('GET', '/volumes', { query: { filters: labelFilter(labels) } });
    return (list.Volumes ?? []).map((v) => ({ id: v.Name, name: v.Name, labels: v.Labels ?? {} }));
  }

  async inspectVolume(name: string): Promise<NamedResource | undefined> {
    const v = await orUndefined(() =>
      this.client.json<{ Name: string; Labels?: Record<string, string> | null }>('GET', `/volumes/${name}`),
    );
    return v && { id: v.Name, name: v.Name, labels: v.Labels ?? {} };
  }

  async createVolume(body: { Name: string; Labels: Record<string, string> }): Promise<void> {
    await this.client.call('POST', '/volumes/create', { body });
  }

  async removeVolume(name: string): Promise<void> {
    await this.client.call('DELETE', `/volumes/${name}`, { accept: [404] });
  }
}
