/**
 * The text format of `getfattr --dump` and `setfattr --restore` (package attr): blocks of
 * `# file: <path>` followed by `name=0x<hex>` lines. Paths quote `\` and non-printable bytes as
 * `\ooo` octal escapes, so any file name survives the round trip.
 */

export type XattrMap = Map<string, Buffer>;

export interface XattrItem {
  /** Path relative to the directory the tool runs in. */
  path: string;
  attrs: XattrMap;
}

/** Xattr names as the kernel accepts them: `namespace.rest`, printable, no `=` or whitespace. */
const XATTR_NAME = /^(?:user|trusted|security|system)\.[\x21-\x3c\x3e-\x7e]{1,250}$/;

export function isValidXattrName(name: string): boolean {
  return XATTR_NAME.test(name);
}

export function quoteDumpPath(p: string): string {
  const bytes = Buffer.from(p, 'utf8');
  let out = '';
  let start = 0;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i] as number;
    if (b === 0x5c || b < 0x20 || b === 0x7f) {
      out += bytes.subarray(start, i).toString('utf8');
      out += `\\${b.toString(8).padStart(3, '0')}`;
      start = i + 1;
    }
  }
  return out + bytes.subarray(start).toString('utf8');
}

export function unquoteDumpPath(quoted: string): string {
  if (!quoted.includes('\\')) return quoted;
  const parts: Buffer[] = [];
  let start = 0;
  const re = /\\([0-7]{3})/g;
  for (let m = re.exec(quoted); m !== null; m = re.exec(quoted)) {
    parts.push(Buffer.from(quoted.slice(start, m.index), 'utf8'));
    parts.push(Buffer.from([Number.parseInt(m[1] as string, 8)]));
    start = m.index + m[0].length;
  }
  parts.push(Buffer.from(quoted.slice(start), 'utf8'));
  return Buffer.concat(parts).toString('utf8');
}

export function formatXattrDump(items: readonly XattrItem[]): string {
  let out = '';
  for (const item of items) {
    out += `# file: ${quoteDumpPath(item.path)}\n`;
    for (const [name, value] of item.attrs) out += `${name}=0x${value.toString('hex')}\n`;
    out += '\n';
  }
  return out;
}

/** Parses `getfattr -d -e hex` output; values in other encodings (text, base64) are decoded too. */
export function parseXattrDump(text: string): Map<string, XattrMap> {
  const out = new Map<string, XattrMap>();
  let current: XattrMap | undefined;
  for (const line of text.split('\n')) {
    if (line.startsWith('# file: ')) {
      current = new Map();
      out.set(unquoteDumpPath(line.slice('# file: '.length)), current);
      continue;
    }
    if (line.length === 0 || line.startsWith('#') || current === undefined) continue;
    const eq = line.indexOf('=');
    if (eq <= 0) {
      current.set(line, Buffer.alloc(0));
      continue;
    }
    current.set(line.slice(0, eq), decodeValue(line.slice(eq + 1)));
  }
  return out;
}

function decodeValue(v: string): Buffer {
  if (v.startsWith('0x')) return Buffer.from(v.slice(2), 'hex');
  if (v.startsWith('0s')) return Buffer.from(v.slice(2), 'base64');
  if (v.startsWith('"') && v.endsWith('"')) return Buffer.from(unquoteDumpPath(v.slice(1, -1)), 'utf8');
  return Buffer.from(v, 'utf8');
}
