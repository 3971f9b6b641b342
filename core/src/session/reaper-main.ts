/**
 * The reaper process (see reaper-session.ts). Reads its parent's pipe: the line `reap` means
 * "sweep now and exit"; end of file means the parent is gone, so it waits the grace period,
 * sweeps and exits. It never outlives one sweep.
 */
import { EngineClient } from '../engine/engine-client.js';
import { silentLogger } from '../logger.js';
import { reapSession } from './reap-session.js';
import { REAPER_CONFIG_ENV, type ReaperConfig } from './reaper-session.js';

async function main(): Promise<void> {
  const config = JSON.parse(process.env[REAPER_CONFIG_ENV] ?? '{}') as ReaperConfig;
  let swept = false;
  const sweep = async () => {
    if (swept) return;
    swept = true;
    const client = new EngineClient(config.endpoint, config.apiVersion, silentLogger());
    try {
      // Twice: a container created while the first sweep ran (a start in flight) is caught by the second.
      await reapSession(client, config.sessionId);
      await reapSession(client, config.sessionId);
    } finally {
      await client.close();
    }
    process.exit(0);
  };
  let buffered = '';
  process.stdin.setEncoding('utf8');
  process.stdin.on('data', (chunk: string) => {
    buffered += chunk;
    if (buffered.split('\n').includes('reap')) void sweep();
  });
  process.stdin.on('error', () => undefined);
  process.stdin.on('close', () => {
    setTimeout(() => void sweep(), config.graceMs);
  });
}

void main();
