import type { HostOp, NetnsOp } from './host-net.js';

/**
 * Renders operations as `ip -batch` lines. Names and addresses are produced by Skiff, never by the
 * user, and validated before they get here; a space would split a batch argument, so it is refused.
 */
function arg(value: string): string {
  if (!/^[A-Za-z0-9_.:/@-]+$/.test(value))
    throw new Error(`refusing unsafe ip argument ${JSON.stringify(value)}`);
  return value;
}

export function hostOpLines(op: HostOp): string[] {
  switch (op.op) {
    case 'bridge-add':
      return [
        `link add name ${arg(op.name)} address ${arg(op.mac)} type bridge`,
        `link set dev ${arg(op.name)} alias ${arg(op.alias)}`,
        `addr add ${arg(op.address)} dev ${arg(op.name)}`,
        `link set dev ${arg(op.name)} up`,
      ];
    case 'netns-add':
      return [`netns add ${arg(op.name)}`];
    case 'veth-add':
      return [
        `link add name ${arg(op.hostName)} up master ${arg(op.master)} type veth peer name ${arg(op.peerName)} address ${arg(op.peerMac)} netns ${arg(op.netns)}`,
        `link set dev ${arg(op.hostName)} alias ${arg(op.alias)}`,
      ];
    case 'link-del':
      return [`link del dev ${arg(op.name)}`];
  }
}

export function netnsOpLines(op: NetnsOp): string[] {
  switch (op.op) {
    case 'link-up':
      return [`link set dev ${arg(op.name)} up`];
    case 'addr-add':
      return [`addr add ${arg(op.address)} dev ${arg(op.dev)}`];
    case 'default-route':
      return [`route replace default via ${arg(op.via)} dev ${arg(op.dev)}`];
    case 'default-route-del':
      return ['route del default'];
    case 'link-del':
      return [`link del dev ${arg(op.name)}`];
  }
}

export function renderBatch<T>(ops: T[], lines: (op: T) => string[]): string {
  return `${ops.flatMap(lines).join('\n')}\n`;
}
