import { FrameDecoder, StreamType } from '../../api/protocol/multiplexed-stream.js';
import type { ContainerInspectWire } from '../../api/wire/container-wire.js';
import type { CliContext } from '../cli-context.js';
import { parseTimestampFlag } from '../units.js';

export interface LogsFlags {
  follow?: boolean;
  since?: string;
  until?: string;
  tail: string;
  timestamps?: boolean;
}

/** `skiff logs`: stdout to stdout, stderr to stderr (demultiplexed unless the container has a TTY). */
export async function logs(ctx: CliContext, ref: string, flags: LogsFlags): Promise<number> {
  const info = await ctx.client.json<ContainerInspectWire>('GET', `/containers/${ref}/json`);
  const res = await ctx.client.request('GET', `/containers/${info.Id}/logs`, {
    query: {
      stdout: 1,
      stderr: 1,
      follow: flags.follow ? 1 : undefined,
      since: flags.since ? parseTimestampFlag(flags.since, '--since') : undefined,
      until: flags.until ? parseTimestampFlag(flags.until, '--until') : undefined,
      tail: flags.tail,
      timestamps: flags.timestamps ? 1 : undefined,
    },
  });
  const decoder = info.Config.Tty ? undefined : new FrameDecoder();
  for await (const chunk of res) {
    if (!decoder) {
      process.stdout.write(chunk as Buffer);
      continue;
    }
    for (const frame of decoder.push(chunk as Buffer)) {
      (frame.stream === StreamType.stderr ? process.stderr : process.stdout).write(frame.payload);
    }
  }
  return 0;
}
