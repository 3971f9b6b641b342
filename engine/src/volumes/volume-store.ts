/** A named or anonymous volume, in the domain shape (the API maps it to Docker's `Volume`). */
export interface VolumeRecord {
  name: string;
  driver: 'local';
  /** The directory containers see: `<root>/volumes/<name>/_data`. */
  mountpoint: string;
  /** RFC 3339. */
  createdAt: string;
  labels: Record<string, string>;
  options: Record<string, string>;
  scope: 'local';
  /** Created for an image `VOLUME` or a `-v /path` without a name; removed with its container's `-v`. */
  anonymous: boolean;
}

export interface VolumeCreateInput {
  /** Omitted: an anonymous volume with a random 64-hex name. */
  name?: string;
  driver?: string;
  labels?: Record<string, string>;
  driverOpts?: Record<string, string>;
}

/** Label Docker (23+) puts on anonymous volumes; `prune` without `all` removes only those. */
export const ANONYMOUS_VOLUME_LABEL = 'com.docker.volume.anonymous';

/**
 * Volumes under `<root>/volumes`, shared by every engine on the machine. Errors: NotFoundError
 * (`No such volume: x`), ConflictError (in use), InvalidArgumentError (bad name, driver).
 */
export interface VolumeStore {
  /** Creates a volume; creating an existing name returns it unchanged (Docker's behaviour). */
  create(input: VolumeCreateInput): Promise<VolumeRecord>;
  get(name: string): Promise<VolumeRecord>;
  find(name: string): Promise<VolumeRecord | undefined>;
  /** Filters: `name` (substring), `label` (key or key=value), `driver`, `dangling` (true/false). */
  list(filters?: Record<string, string[]>): Promise<VolumeRecord[]>;
  /** Refuses a volume a container uses (ConflictError) unless `force`. */
  remove(name: string, options?: { force?: boolean }): Promise<void>;
  /** Removes unused volumes: anonymous ones only, unless the filter `all=true` is given. */
  prune(filters?: Record<string, string[]>): Promise<{ deleted: string[]; spaceReclaimed: number }>;
  /** Bytes used by the volume's data (for `system df` and prune). */
  size(name: string): Promise<number>;
}
