/** One mount, as the engine means it; a backend turns it into mount(2) calls or a mount(8) command. */
export type MountCall =
  | { kind: 'overlay'; target: string; data: string; cwd?: string }
  | { kind: 'bind'; source: string; target: string; recursive: boolean; readOnly: boolean }
  | { kind: 'tmpfs'; target: string; data: string };

/**
 * How `SystemMounter` reaches the kernel: `NativeMountBackend` (mount(2) through Skiff's addon, no
 * process spawned) or `SpawnMountBackend` (util-linux's binaries, the fallback). Both resolve with
 * `undefined` once the call succeeded, or with the complaint to put in the error message.
 */
export interface MountBackend {
  readonly kind: 'native' | 'spawn';
  /**
   * true when success is the kernel's own answer to exactly this request (so no mountinfo check
   * is needed afterwards); false when a wrapper in between might have done something else.
   */
  readonly exact: boolean;
  mount(call: MountCall): Promise<string | undefined>;
  unmount(target: string, detach: boolean): Promise<string | undefined>;
}
