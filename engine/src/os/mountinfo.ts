/** One line of `/proc/<pid>/mountinfo` (proc(5)), with the kernel's octal escapes decoded. */
export interface MountEntry {
  id: number;
  parentId: number;
  /** `major:minor` of the mounted filesystem's device. */
  device: string;
  /** The directory of the filesystem that forms this mount's root (not `/` for bind mounts of subdirs). */
  root: string;
  mountPoint: string;
  /** Per-mount options (`rw`, `nosuid`, …). */
  mountOptions: string[];
  /** Optional fields such as `shared:1` or `master:2`. */
  propagation: string[];
  fsType: string;
  source: string;
  /** Per-superblock options (for overlay: `lowerdir=…`, `upperdir=…`). */
  superOptions: string[];
}

/** The kernel escapes space, tab, newline and backslash in paths as `\ooo` octal. */
export function unescapeMountField(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(Number.parseInt(oct, 8)));
}

function parseLine(line: string): MountEntry | undefined {
  const fields = line.split(' ');
  const separator = fields.indexOf('-', 6);
  if (separator < 0 || fields.length < separator + 4) return undefined;
  const [id, parentId, device, root, mountPoint, mountOptions] = fields;
  if (!id || !parentId || !device || !root || !mountPoint || mountOptions === undefined) return undefined;
  return {
    id: Number(id),
    parentId: Number(parentId),
    device,
    root: unescapeMountField(root),
    mountPoint: unescapeMountField(mountPoint),
    mountOptions: mountOptions.split(','),
    propagation: fields.slice(6, separator),
    fsType: fields[separator + 1] ?? '',
    source: unescapeMountField(fields[separator + 2] ?? ''),
    superOptions: (fields[separator + 3] ?? '').split(',').filter((o) => o.length > 0),
  };
}

/** Parses mountinfo text; malformed lines are skipped rather than failing the whole listing. */
export function parseMountinfo(text: string): MountEntry[] {
  const entries: MountEntry[] = [];
  for (const line of text.split('\n')) {
    if (line.length === 0) continue;
    const entry = parseLine(line);
    if (entry) entries.push(entry);
  }
  return entries;
}

/** True when `mountPoint` is `prefix` itself or lies below it (path-segment aware: `/a/b` is not under `/a/bc`). */
export function isAtOrUnder(mountPoint: string, prefix: string): boolean {
  const p = prefix.endsWith('/') && prefix.length > 1 ? prefix.slice(0, -1) : prefix;
  return mountPoint === p || mountPoint.startsWith(p === '/' ? '/' : `${p}/`);
}

/** The value of `key=` in an option list, if present. */
export function optionValue(options: readonly string[], key: string): string | undefined {
  const prefix = `${key}=`;
  return options.find((o) => o.startsWith(prefix))?.slice(prefix.length);
}
