/**
 * The contract between the engine and `@skiff/net`. The engine asks for a sandbox (a network
 * namespace wired to the container's networks, with its hosts/resolv.conf content and published
 * ports) before it starts a container, and releases it when the container stops. Everything the
 * network layer creates can be found and removed again after a crash of the engine.
 */

export interface NetworkCreateRequest {
  name: string;
  driver?: 'bridge';
  /** CIDR; allocated from the pool when absent. */
  subnet?: string;
  gateway?: string;
  internal?: boolean;
  labels?: Record<string, string>;
  options?: Record<string, string>;
  /** Docker's `CheckDuplicate` is always on: names are unique. */
}

export interface NetworkRecord {
  id: string;
  name: string;
  driver: 'bridge' | 'host' | 'null';
  /** RFC 3339. */
  created: string;
  subnet: string;
  gateway: string;
  /** The Linux bridge device, e.g. `skf-1a2b3c4d`. */
  bridge: string;
  internal: boolean;
  labels: Record<string, string>;
  options: Record<string, string>;
  /** The default `bridge`, `host` and `none` networks cannot be removed. */
  builtIn: boolean;
}

export interface NetworkInspect extends NetworkRecord {
  containers: Record<string, { name: string; endpointId: string; macAddress: string; ipv4Address: string }>;
}

export interface EndpointRequest {
  /** Network name, ID or unique ID prefix. */
  network: string;
  aliases: string[];
  ipv4Address?: string;
}

export interface PortBindingRequest {
  containerPort: number;
  protocol: 'tcp' | 'udp';
  /** '' → 127.0.0.1 and ::1 (Skiff's default); '0.0.0.0' / '::' must be asked for explicitly. */
  hostIp: string;
  /** 0 → the network layer picks a free port atomically. */
  hostPort: number;
}

export type NetworkMode =
  | { kind: 'bridge'; endpoints: EndpointRequest[] }
  | { kind: 'none' }
  | { kind: 'host' }
  | { kind: 'container'; containerId: string };

export interface SandboxRequest {
  containerId: string;
  /** Without the leading '/'. */
  containerName: string;
  hostname: string;
  domainname: string;
  mode: NetworkMode;
  ports: PortBindingRequest[];
  /** `name:ip`, where ip may be `host-gateway`. */
  extraHosts: string[];
  dns: string[];
  dnsSearch: string[];
  dnsOptions: string[];
}

export interface Endpoint {
  networkId: string;
  networkName: string;
  endpointId: string;
  ipAddress: string;
  prefixLen: number;
  gateway: string;
  macAddress: string;
  aliases: string[];
}

export interface PublishedPort {
  containerPort: number;
  protocol: 'tcp' | 'udp';
  hostIp: string;
  hostPort: number;
}

export interface Sandbox {
  containerId: string;
  /** Path of the network namespace to put in the OCI spec; undefined for host mode. */
  netnsPath: string | undefined;
  endpoints: Endpoint[];
  ports: PublishedPort[];
  /** File contents the engine writes and bind-mounts into the container (`/etc/hosts`, `/etc/resolv.conf`). */
  hosts: string;
  /** The host name itself, without a newline: `/etc/hostname` holds `${hostname}\n`. */
  hostname: string;
  resolvConf: string;
}

export interface NetworkManager {
  /** Creates the default networks and removes what a crashed engine left behind (bridges, netns, veths, leases). */
  init(): Promise<void>;
  createNetwork(request: NetworkCreateRequest): Promise<NetworkRecord>;
  removeNetwork(ref: string): Promise<void>;
  getNetwork(ref: string): Promise<NetworkInspect>;
  listNetworks(filters?: Record<string, string[]>): Promise<NetworkInspect[]>;
  pruneNetworks(filters?: Record<string, string[]>): Promise<string[]>;
  /** Builds the container's network namespace, addresses, DNS entries and port forwards. */
  createSandbox(request: SandboxRequest): Promise<Sandbox>;
  /** Adds a network to a running container's sandbox. */
  connect(containerId: string, endpoint: EndpointRequest): Promise<Endpoint>;
  disconnect(containerId: string, network: string): Promise<void>;
  /** Removes the namespace, veths, leases, DNS entries and port forwards of a container. Idempotent. */
  releaseSandbox(containerId: string): Promise<void>;
  /** Stops servers (DNS, proxies) of this process; bridges stay for the next start. */
  close(): Promise<void>;
  /** The sandbox as it is now: after `connect`/`disconnect`, `hosts` lists the new addresses. */
  getSandbox?(containerId: string): Sandbox | undefined;
  /** Waits for teardown kept off the request path (veths of released sandboxes, bridges of removed networks). */
  settle?(): Promise<void>;
  /** Removes every network this engine made, built-in ones too: for engines that live for one test run. */
  destroy?(): Promise<void>;
}
