import { applyConfigChange, type ChangeState, type ConfigChange } from '../../images/config-changes.js';
import type { ImageRunConfig } from '../../images/image-config.js';
import type { Instruction, Resolved } from '../instruction.js';
import { DEFAULT_SHELL, goList, goQuoteList, healthText, nopText } from './history-text.js';

/** A step that only changes the image config (no layer), with its history text. */
export interface MetadataStep {
  runConfig: ImageRunConfig;
  createdBy: string;
  author?: string;
  /** What besides the text decides the result (ENTRYPOINT depends on whether CMD was set before). */
  extra: string[];
}

const KINDS = new Set([
  'ARG',
  'ENV',
  'LABEL',
  'EXPOSE',
  'USER',
  'VOLUME',
  'STOPSIGNAL',
  'HEALTHCHECK',
  'SHELL',
  'ONBUILD',
  'CMD',
  'ENTRYPOINT',
  'MAINTAINER',
]);

export function isMetadataInstruction(instruction: Instruction): boolean {
  return KINDS.has(instruction.kind);
}

/**
 * Applies a metadata instruction (already resolved) through the shared config-change logic and
 * writes its history text the way moby's dispatchers do (`ENV a=b`, `CMD ["sh" "-c" "x"]`,
 * `VOLUME [/data]`, `ARG name=default`).
 */
export function metadataStep(
  config: ImageRunConfig,
  instruction: Resolved,
  state: ChangeState,
): MetadataStep {
  const shell = config.Shell ?? DEFAULT_SHELL;
  const extra: string[] = [];
  const apply = (change: ConfigChange) => applyConfigChange(config, change, state);
  let runConfig = config;
  let text: string;
  let author: string | undefined;
  switch (instruction.kind) {
    case 'ARG':
      text = `ARG ${instruction.args.map((a) => (a.defaultValue === undefined ? a.name : `${a.name}=${a.defaultValue}`)).join(' ')}`;
      break;
    case 'ENV':
      runConfig = apply({ kind: 'ENV', pairs: instruction.pairs });
      text = `ENV ${instruction.pairs.map((p) => `${p.key}=${p.value}`).join(' ')}`;
      break;
    case 'LABEL':
      runConfig = apply({ kind: 'LABEL', pairs: instruction.pairs });
      text = `LABEL ${instruction.pairs.map((p) => `${p.key}=${p.value}`).join(' ')}`;
      break;
    case 'EXPOSE':
      runConfig = apply({ kind: 'EXPOSE', ports: instruction.ports });
      text = `EXPOSE ${instruction.ports.join(' ')}`;
      break;
    case 'USER':
      runConfig = apply({ kind: 'USER', user: instruction.user });
      text = `USER ${instruction.user}`;
      break;
    case 'VOLUME':
      runConfig = apply({ kind: 'VOLUME', paths: instruction.paths });
      text = `VOLUME ${goList(instruction.paths)}`;
      break;
    case 'STOPSIGNAL':
      runConfig = apply({ kind: 'STOPSIGNAL', signal: instruction.signal });
      text = `STOPSIGNAL ${instruction.signal}`;
      break;
    case 'HEALTHCHECK':
      runConfig = apply({ kind: 'HEALTHCHECK', health: instruction.health });
      text = healthText(instruction.health);
      break;
    case 'SHELL':
      runConfig = apply({ kind: 'SHELL', shell: instruction.shell });
      text = `SHELL ${goQuoteList(instruction.shell)}`;
      break;
    case 'ONBUILD':
      runConfig = apply({ kind: 'ONBUILD', expression: instruction.expression });
      text = `ONBUILD ${instruction.expression}`;
      break;
    case 'CMD':
      runConfig = apply({ kind: 'CMD', command: instruction.command });
      text = `CMD ${goQuoteList(runConfig.Cmd ?? [])}`;
      break;
    case 'ENTRYPOINT':
      extra.push(`cmd-set=${state.cmdSet}`);
      runConfig = apply({ kind: 'ENTRYPOINT', command: instruction.command });
      text = `ENTRYPOINT ${goQuoteList(runConfig.Entrypoint ?? [])}`;
      break;
    case 'MAINTAINER':
      author = instruction.author;
      text = `MAINTAINER ${instruction.author}`;
      break;
    default:
      throw new Error(`${instruction.kind} is not a metadata instruction`);
  }
  return { runConfig, createdBy: nopText(shell, text), extra, ...(author !== undefined ? { author } : {}) };
}
