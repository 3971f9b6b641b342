/** Magic strings and defaults of `@skiff/net`, in one place (STYLE.md habit 5). */

/** Linux bridges of every Skiff engine start with this; iptables rules match `skf-+`. */
export const BRIDGE_PREFIX = 'skf-';
/** Host ends of veth pairs. */
export const VETH_PREFIX = 'skv';
/** Network namespaces are `skf-<engineId>-<container id prefix>-<random>`. */
export const NETNS_PREFIX = 'skf-';
/** Link aliases (`ip link set … alias`) mark what an engine owns: `skiff:<engineId>:net:<networkId>`. */
export const ALIAS_PREFIX = 'skiff:';
export const IFNAMSIZ = 15;

export const DEFAULT_SUBNET_POOLS: readonly SubnetPoolConfig[] = [{ base: '10.210.0.0/16', size: 24 }];
/** Machine-wide lock held while choosing a subnet and creating its bridge, shared by every engine. */
export const DEFAULT_HOST_LOCK_PATH = '/run/lock/skiff-net.lock';
export const DEFAULT_RESOLV_CONF = '/etc/resolv.conf';
export const DEFAULT_HOSTS_FILE = '/etc/hosts';

export const BuiltInNetwork = { Bridge: 'bridge', Host: 'host', None: 'none' } as const;

/** Names every container on a bridge network resolves to its gateway, i.e. the host. */
export const HOST_ALIASES = ['host.skiff.internal', 'host.docker.internal'] as const;
/**
 * testcontainers' name for the host. The engine writes it into /etc/hosts itself (a user's
 * `--add-host host.testcontainers.internal:IP`, which core's exposeHostPorts may set, must win),
 * so only the embedded DNS answers it here.
 */
export const DNS_ONLY_HOST_ALIASES = ['host.testcontainers.internal'] as const;
/** `--add-host name:host-gateway`. */
export const HOST_GATEWAY = 'host-gateway';

/** Docker's embedded DNS answers with this TTL. */
export const DNS_TTL_SECONDS = 600;
export const DNS_FORWARD_TIMEOUT_MS = 1000;
/** After an upstream timed out, answer SERVFAIL at once for this long instead of waiting again. */
export const DNS_UPSTREAM_BACKOFF_MS = 30_000;
/** Docker's userland proxy forgets a UDP peer after this much silence. */
export const UDP_IDLE_TIMEOUT_MS = 90_000;

/** iptables chain shared by all engines; blocks routed traffic into and out of `skf-` bridges. */
export const ISOLATION_CHAIN = 'SKIFF-ISOLATION';

/** Docker network name rule (`daemon/names`): a letter or digit, then letters, digits, `_`, `.`, `-`. */
export const NETWORK_NAME_PATTERN = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

export interface SubnetPoolConfig {
  /** CIDR the subnets are cut from, e.g. `10.210.0.0/16`. */
  base: string;
  /** Prefix length of each network's subnet, e.g. 24. */
  size: number;
}
