/** One container's names on one network. */
export interface NameEntry {
  containerId: string;
  networkId: string;
  ipAddress: string;
  /** Container name, aliases, hostname, short id; matched case-insensitively. */
  names: string[];
  /** Answer to a PTR query for `ipAddress`. */
  ptrName: string;
}

/**
 * The names the embedded resolvers answer, per network, kept in memory by the process that owns
 * the sandboxes. Several containers may share a name (a network alias): lookups return all of them.
 */
export class NameTable {
  private readonly byNetwork = new Map<string, Map<string, NameEntry[]>>();
  private readonly byAddress = new Map<string, NameEntry>();
  private readonly entries = new Set<NameEntry>();

  add(entry: NameEntry): void {
    this.entries.add(entry);
    this.byAddress.set(entry.ipAddress, entry);
    let names = this.byNetwork.get(entry.networkId);
    if (!names) {
      names = new Map();
      this.byNetwork.set(entry.networkId, names);
    }
    for (const name of new Set(entry.names.map(normalise))) {
      const list = names.get(name) ?? [];
      list.push(entry);
      names.set(name, list);
    }
  }

  /** Removes the container's entries on one network, or on all networks. */
  remove(containerId: string, networkId?: string): void {
    for (const entry of [...this.entries]) {
      if (entry.containerId !== containerId || (networkId && entry.networkId !== networkId)) continue;
      this.entries.delete(entry);
      if (this.byAddress.get(entry.ipAddress) === entry) this.byAddress.delete(entry.ipAddress);
      const names = this.byNetwork.get(entry.networkId);
      if (!names) continue;
      for (const name of new Set(entry.names.map(normalise))) {
        const rest = (names.get(name) ?? []).filter((e) => e !== entry);
        if (rest.length > 0) names.set(name, rest);
        else names.delete(name);
      }
    }
  }

  lookup(networkId: string, name: string): string[] {
    return (this.byNetwork.get(networkId)?.get(normalise(name)) ?? []).map((e) => e.ipAddress);
  }

  reverse(networkId: string, ipAddress: string): string | undefined {
    const entry = this.byAddress.get(ipAddress);
    return entry && entry.networkId === networkId ? entry.ptrName : undefined;
  }

  /** The container that owns a source address, to answer from all of its networks. */
  containerAt(ipAddress: string): string | undefined {
    return this.byAddress.get(ipAddress)?.containerId;
  }

  networksOf(containerId: string): string[] {
    return [
      ...new Set([...this.entries].filter((e) => e.containerId === containerId).map((e) => e.networkId)),
    ];
  }
}

export function normalise(name: string): string {
  return name.toLowerCase().replace(/\.$/, '');
}
