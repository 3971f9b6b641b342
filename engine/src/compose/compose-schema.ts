/**
 * Which keys `skiff up` understands, and which compose keys it knows but does not implement. A key
 * in neither list is a typo or not compose at all; both kinds are reported by name, never ignored.
 * `x-*` extension keys are allowed wherever the compose spec allows them.
 */

export const TOP_LEVEL_KEYS = new Set(['name', 'services', 'networks', 'volumes', 'version']);
export const TOP_LEVEL_UNSUPPORTED = new Set(['configs', 'secrets', 'include', 'models']);

export const SERVICE_KEYS = new Set([
  'build',
  'cap_add',
  'cap_drop',
  'command',
  'container_name',
  'cpus',
  'depends_on',
  'dns',
  'domainname',
  'entrypoint',
  'env_file',
  'environment',
  'expose',
  'extra_hosts',
  'healthcheck',
  'hostname',
  'image',
  'init',
  'labels',
  'logging',
  'mem_limit',
  'networks',
  'platform',
  'ports',
  'privileged',
  'profiles',
  'pull_policy',
  'read_only',
  'restart',
  'shm_size',
  'stdin_open',
  'stop_grace_period',
  'stop_signal',
  'sysctls',
  'tmpfs',
  'tty',
  'user',
  'volumes',
  'working_dir',
]);

export const SERVICE_UNSUPPORTED = new Set([
  'annotations',
  'attach',
  'blkio_config',
  'cgroup',
  'cgroup_parent',
  'configs',
  'cpu_count',
  'cpu_percent',
  'cpu_period',
  'cpu_quota',
  'cpu_rt_period',
  'cpu_rt_runtime',
  'cpu_shares',
  'cpuset',
  'credential_spec',
  'deploy',
  'develop',
  'device_cgroup_rules',
  'devices',
  'dns_opt',
  'dns_search',
  'extends',
  'external_links',
  'gpus',
  'group_add',
  'ipc',
  'isolation',
  'label_file',
  'links',
  'mac_address',
  'mem_reservation',
  'mem_swappiness',
  'memswap_limit',
  'models',
  'network_mode',
  'oom_kill_disable',
  'oom_score_adj',
  'pid',
  'pids_limit',
  'platforms',
  'post_start',
  'pre_stop',
  'provider',
  'runtime',
  'scale',
  'secrets',
  'security_opt',
  'storage_opt',
  'ulimits',
  'use_api_socket',
  'userns_mode',
  'uts',
  'volumes_from',
]);

export const BUILD_KEYS = new Set(['context', 'dockerfile', 'args', 'target', 'labels', 'no_cache', 'pull']);
export const BUILD_UNSUPPORTED = new Set([
  'additional_contexts',
  'cache_from',
  'cache_to',
  'dockerfile_inline',
  'entitlements',
  'extra_hosts',
  'isolation',
  'network',
  'platforms',
  'privileged',
  'secrets',
  'shm_size',
  'ssh',
  'tags',
  'ulimits',
]);

export const HEALTHCHECK_KEYS = new Set([
  'test',
  'interval',
  'timeout',
  'retries',
  'start_period',
  'start_interval',
  'disable',
]);
export const DEPENDS_ON_KEYS = new Set(['condition', 'required']);
export const DEPENDS_ON_UNSUPPORTED = new Set(['restart']);
export const PORT_KEYS = new Set([
  'target',
  'published',
  'host_ip',
  'protocol',
  'mode',
  'name',
  'app_protocol',
]);
export const SERVICE_VOLUME_KEYS = new Set([
  'type',
  'source',
  'target',
  'read_only',
  'bind',
  'volume',
  'tmpfs',
  'consistency',
]);
export const SERVICE_VOLUME_UNSUPPORTED = new Set(['image']);
export const BIND_OPTION_KEYS = new Set(['create_host_path']);
export const BIND_OPTION_UNSUPPORTED = new Set(['propagation', 'selinux']);
export const VOLUME_OPTION_KEYS = new Set(['nocopy']);
export const VOLUME_OPTION_UNSUPPORTED = new Set(['subpath']);
export const TMPFS_OPTION_KEYS = new Set(['size', 'mode']);
export const SERVICE_NETWORK_KEYS = new Set(['aliases', 'ipv4_address']);
export const SERVICE_NETWORK_UNSUPPORTED = new Set([
  'ipv6_address',
  'link_local_ips',
  'mac_address',
  'priority',
  'gw_priority',
  'driver_opts',
  'interface_name',
]);
export const ENV_FILE_KEYS = new Set(['path', 'required', 'format']);

export const NETWORK_KEYS = new Set(['name', 'external', 'internal', 'labels', 'driver', 'attachable']);
export const NETWORK_UNSUPPORTED = new Set(['driver_opts', 'enable_ipv4', 'enable_ipv6', 'ipam']);
export const VOLUME_KEYS = new Set(['name', 'external', 'labels', 'driver']);
export const VOLUME_UNSUPPORTED = new Set(['driver_opts']);

/** The closest known key within two edits, for "did you mean". */
export function suggestKey(key: string, known: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of known) {
    const d = editDistance(key.toLowerCase(), candidate);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0] ?? 0;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j] ?? 0;
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row[j] = Math.min(above + 1, (row[j - 1] ?? 0) + 1, diagonal + cost);
      diagonal = above;
    }
  }
  return row[b.length] ?? 0;
}
