/**
 * A few Docker Engine API calls over the engine's unix socket, for what the suites do behind the
 * backs of the clients under test: provide fixture images, list what a session left, make the
 * stand-in default network on Docker. Works against skiffd and dockerd alike.
 */
import { type HttpResult, type UnixRequestOptions, unixRequest } from './unix-http.js';

/** `name[:tag]` split as the API's `fromImage`/`repo` and `tag` parameters want it. */
function splitReference(ref: string): { repo: string; tag: string } {
  const slash = ref.lastIndexOf('/');
  const colon = ref.lastIndexOf(':');
  return colon > slash
    ? { repo: ref.slice(0, colon), tag: ref.slice(colon + 1) }
    : { repo: ref, tag: 'latest' };
}

function query(params: Record<string, string | string[]>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) for (const one of [v].flat()) q.append(k, one);
  return q.toString();
}

export class EngineApi {
  constructor(readonly socketPath: string) {}

  /** One request on a connection of its own. */
  request(method: string, pathAndQuery: string, options: UnixRequestOptions = {}): Promise<HttpResult> {
    return unixRequest(this.socketPath, method, pathAndQuery, { fresh: true, ...options });
  }

  /** A JSON call; a 4xx/5xx answer throws with the engine's message. */
  async call<T>(
    method: string,
    pathAndQuery: string,
    body?: Buffer | string,
    contentType?: string,
  ): Promise<T> {
    const headers: Record<string, string | number> = body
      ? { 'content-type': contentType ?? 'application/json', 'content-length': Buffer.byteLength(body) }
      : {};
    const res = await this.request(method, pathAndQuery, { ...(body ? { body } : {}), headers });
    if (res.status >= 400) throw new Error(`${method} ${pathAndQuery}: HTTP ${res.status} ${res.text()}`);
    const text = res.text();
    return (text ? JSON.parse(text) : undefined) as T;
  }

  async hasImage(ref: string): Promise<boolean> {
    return (await this.request('GET', `/images/${encodeURIComponent(ref)}/json`)).status === 200;
  }

  /** `docker import`: a root filesystem tar as `ref`, with Dockerfile-style config changes. */
  async importImage(tar: Buffer, ref: string, changes: string[] = []): Promise<void> {
    const { repo, tag } = splitReference(ref);
    const res = await this.request('POST', `/images/create?${query({ fromSrc: '-', repo, tag, changes })}`, {
      body: tar,
      headers: { 'content-type': 'application/x-tar', 'content-length': tar.length },
    });
    if (res.status !== 200 || res.text().includes('"error"'))
      throw new Error(`importing ${ref}: ${res.text()}`);
  }

  /** `docker pull`: through the engine's registry configuration (the fixture mirror on skiffd). */
  async pullImage(ref: string): Promise<void> {
    const { repo, tag } = splitReference(ref);
    const res = await this.request('POST', `/images/create?${query({ fromImage: repo, tag })}`, {
      headers: { 'x-registry-auth': 'e30=' },
    });
    if (res.status !== 200 || res.text().includes('"error"'))
      throw new Error(`pulling ${ref}: ${res.text()}`);
  }

  /** Containers (any state) of the sessions a process opened (for runs that never reported a session). */
  async containersOfPid(pid: number): Promise<string[]> {
    const filters = encodeURIComponent(JSON.stringify({ label: [`dev.skiff.session.pid=${pid}`] }));
    return (await this.call<{ Id: string }[]>('GET', `/containers/json?all=1&filters=${filters}`)).map(
      (c) => c.Id,
    );
  }

  /** Containers (any state) and networks labelled with a session: what a leak check expects empty. */
  async leftovers(sessionId: string): Promise<{ containers: string[]; networks: string[] }> {
    const filters = encodeURIComponent(JSON.stringify({ label: [`dev.skiff.session=${sessionId}`] }));
    const [containers, networks] = await Promise.all([
      this.call<{ Id: string }[]>('GET', `/containers/json?all=1&filters=${filters}`),
      this.call<{ Id: string }[]>('GET', `/networks?filters=${filters}`),
    ]);
    return { containers: containers.map((c) => c.Id), networks: networks.map((n) => n.Id) };
  }
}
