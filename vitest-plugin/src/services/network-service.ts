import { Network } from '@skiff/core';
import { checkOptions } from './check-options.js';
import { SERVICE_BRAND, type ServiceDefinition, type ServiceInfoBase } from './service-definition.js';

export interface NetworkServiceOptions {
  /** No route out of the network. */
  internal?: boolean;
  /** e.g. `10.42.0.0/24`; the engine picks one when absent. */
  subnet?: string;
}

/** A started network: containers that name it join it, reachable by their service names. */
export interface NetworkServiceInfo extends ServiceInfoBase {
  kind: 'network';
  id: string;
  name: string;
}

const KNOWN = ['internal', 'subnet'] as const;

/**
 * A user-defined bridge network, created before the services that join it (`network: 'net'`
 * on their declarations) and removed after them. Its engine name is unique per run.
 */
export function network(options: NetworkServiceOptions = {}): ServiceDefinition<NetworkServiceInfo> {
  checkOptions('network', options, KNOWN);
  const settings = { ...options };
  return {
    [SERVICE_BRAND]: true,
    kind: 'network',
    describe: 'a bridge network',
    dependsOn: [],
    network: undefined,
    fixedHostPorts: [],
    async start({ runtime }) {
      const declared = new Network().withRuntime(runtime);
      if (settings.internal) declared.withInternal();
      if (settings.subnet) declared.withSubnet(settings.subnet);
      const started = await declared.start();
      return {
        info: { kind: 'network', id: started.getId(), name: started.getName() },
        actions: {},
        stop: () => started.stop(),
      };
    },
  };
}
