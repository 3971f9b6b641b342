import { ZERO_TIME } from '../../constants.js';
import type { ContainerStats } from '../../containers/container-service.js';

function cpuStats(s: ContainerStats | undefined) {
  return {
    cpu_usage: { total_usage: s?.cpuTotalNs ?? 0, usage_in_kernelmode: 0, usage_in_usermode: 0 },
    system_cpu_usage: s?.systemCpuNs ?? 0,
    online_cpus: s?.onlineCpus ?? 0,
    throttling_data: { periods: 0, throttled_periods: 0, throttled_time: 0 },
  };
}

/** ContainerStats → moby's `container.StatsResponse` (cgroup v1 field layout, which every client reads). */
export function toStatsWire(
  id: string,
  name: string,
  current: ContainerStats,
  previous: ContainerStats | undefined,
) {
  const networks: Record<string, Record<string, number>> = {};
  for (const [iface, n] of Object.entries(current.networks)) {
    networks[iface] = {
      rx_bytes: n.rxBytes,
      rx_packets: n.rxPackets,
      rx_errors: 0,
      rx_dropped: 0,
      tx_bytes: n.txBytes,
      tx_packets: n.txPackets,
      tx_errors: 0,
      tx_dropped: 0,
    };
  }
  return {
    id,
    name,
    read: current.read,
    preread: previous?.read ?? ZERO_TIME,
    pids_stats: { current: current.pids },
    num_procs: 0,
    storage_stats: {},
    cpu_stats: cpuStats(current),
    precpu_stats: cpuStats(previous),
    memory_stats: { usage: current.memoryUsage, limit: current.memoryLimit, stats: {} },
    blkio_stats: {
      io_service_bytes_recursive: null,
      io_serviced_recursive: null,
      io_queue_recursive: null,
      io_service_time_recursive: null,
      io_wait_time_recursive: null,
      io_merged_recursive: null,
      io_time_recursive: null,
      sectors_recursive: null,
    },
    networks,
  };
}
