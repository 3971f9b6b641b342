import type { HostNet } from './host/host-net.js';

const POLL_MS = 5;
const TIMEOUT_MS = 5_000;

/**
 * Waits until the kernel has dropped the host ends of a deleted namespace's veths (it does so
 * asynchronously, 15–45 ms later); deletes any still there after the timeout — something, a stray
 * process inside the namespace, keeps it alive — so no veth is ever left in a bridge.
 */
export async function awaitVethsGone(host: HostNet, veths: string[]): Promise<void> {
  const deadline = Date.now() + TIMEOUT_MS;
  for (const veth of veths) {
    while ((await host.linkExists(veth)) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
    if (await host.linkExists(veth)) {
      await host.apply([{ op: 'link-del', name: veth }]).catch(() => {});
    }
  }
}
