import { InvalidArgumentError } from '../errors.js';
import { parseSeccompPolicy, type SeccompPolicy } from './seccomp-policy.js';

export type SeccompChoice =
  | { kind: 'default' }
  | { kind: 'unconfined' }
  | { kind: 'custom'; policy: SeccompPolicy };

/** `HostConfig.SecurityOpt`, parsed. */
export interface SecurityOptions {
  seccomp: SeccompChoice;
  /** `undefined` leaves the default: on, except for privileged containers. */
  noNewPrivileges: boolean | undefined;
  /** `systempaths=unconfined`: no masked or read-only /proc and /sys paths. */
  unmaskSystemPaths: boolean;
}

const KEYS = ['seccomp', 'no-new-privileges', 'apparmor', 'label', 'systempaths'];

/** Docker accepts `key=value` and the older `key:value`; a seccomp JSON value contains both. */
function splitOption(option: string): [string, string | undefined] {
  for (const sep of ['=', ':']) {
    const at = option.indexOf(sep);
    if (at > 0 && KEYS.includes(option.slice(0, at))) return [option.slice(0, at), option.slice(at + 1)];
  }
  return [option, undefined];
}

function bool(option: string, value: string | undefined): boolean {
  if (value === undefined || value === 'true') return true;
  if (value === 'false') return false;
  throw new InvalidArgumentError(`invalid --security-opt ${JSON.stringify(option)}: expected true or false`);
}

export function parseSecurityOptions(options: readonly string[]): SecurityOptions {
  const result: SecurityOptions = {
    seccomp: { kind: 'default' },
    noNewPrivileges: undefined,
    unmaskSystemPaths: false,
  };
  for (const option of options) {
    const [key, value] = splitOption(option.trim());
    switch (key) {
      case 'seccomp':
        if (value === 'unconfined') result.seccomp = { kind: 'unconfined' };
        else if (value === undefined || value === '' || value === 'builtin')
          result.seccomp = { kind: 'default' };
        else result.seccomp = { kind: 'custom', policy: parseSeccompPolicy(value) };
        break;
      case 'no-new-privileges':
        result.noNewPrivileges = bool(option, value);
        break;
      case 'systempaths':
        if (value !== 'unconfined') {
          throw new InvalidArgumentError(
            `invalid --security-opt ${JSON.stringify(option)}: only systempaths=unconfined`,
          );
        }
        result.unmaskSystemPaths = true;
        break;
      case 'apparmor':
      case 'label':
        // This host has no AppArmor or SELinux enforcement; only the "off" values are meaningful.
        if (value !== 'unconfined' && value !== 'disable') {
          throw new InvalidArgumentError(
            `--security-opt ${JSON.stringify(option)} is not supported: Skiff does not apply AppArmor or SELinux labels`,
          );
        }
        break;
      default:
        throw new InvalidArgumentError(
          `invalid --security-opt ${JSON.stringify(option)}: expected seccomp=, no-new-privileges, systempaths=, apparmor= or label=`,
        );
    }
  }
  return result;
}
