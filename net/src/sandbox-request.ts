import { InvalidArgumentError } from './errors.js';
import { isValidHostname, parseExtraHosts, validateDnsServers } from './etc-files.js';
import type { StoredNetwork } from './state/records.js';
import type { SandboxRequest } from './types.js';

const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

/**
 * Checks a sandbox request before anything is created. Every value ends up in a kernel object name,
 * an `ip` batch or a generated /etc file, so anything that could split a line or an argument is
 * refused with a message naming it.
 */
export function validateSandboxRequest(request: SandboxRequest): void {
  if (!ID_PATTERN.test(request.containerId)) {
    throw new InvalidArgumentError(`invalid container id ${JSON.stringify(request.containerId)}`);
  }
  if (request.containerName && !ID_PATTERN.test(request.containerName)) {
    throw new InvalidArgumentError(`invalid container name ${JSON.stringify(request.containerName)}`);
  }
  if (request.hostname && !isValidHostname(request.hostname)) {
    throw new InvalidArgumentError(`invalid hostname ${JSON.stringify(request.hostname)}`);
  }
  if (request.domainname && !isValidHostname(request.domainname)) {
    throw new InvalidArgumentError(`invalid domain name ${JSON.stringify(request.domainname)}`);
  }
  validateDnsServers(request.dns);
  for (const value of [...request.dnsSearch, ...request.dnsOptions]) {
    if (!/^[^\s#;]+$/.test(value)) {
      throw new InvalidArgumentError(`invalid DNS search domain or option ${JSON.stringify(value)}`);
    }
  }
  // host-gateway needs a network; the address is filled in later.
  parseExtraHosts(request.extraHosts, request.mode.kind === 'none' ? undefined : '0.0.0.0');
}

/** Docker: aliases only on user-defined networks, each a valid host name. */
export function validateAliases(aliases: string[], network: StoredNetwork): void {
  if (aliases.length > 0 && network.builtIn) {
    throw new InvalidArgumentError(
      'network-scoped aliases are supported only for containers in user defined networks',
    );
  }
  for (const alias of aliases) {
    if (!isValidHostname(alias))
      throw new InvalidArgumentError(`invalid network alias ${JSON.stringify(alias)}`);
  }
}
