import { negotiateApiVersion } from '../engine/api-version.js';
import { type DiscoveryOptions, discoverEngine } from '../engine/discover-engine.js';
import { formatEndpoint } from '../engine/endpoint.js';
import { EngineClient } from '../engine/engine-client.js';
import type { EngineExplanation } from '../engine/engine-explanation.js';
import type { WireVersion } from '../engine/wire-types.js';
import { errorMessage } from '../errors.js';
import { silentLogger } from '../logger.js';

/** Discovery in dry-run mode plus the engine's versions: the data `skiff doctor` prints. */
export async function explainEngine(options: DiscoveryOptions): Promise<EngineExplanation> {
  const found = await discoverEngine({ ...options, dryRun: true });
  const serverMax = found.headers['api-version'] as string | undefined;
  let version: WireVersion = {};
  let apiVersion = 'not negotiated (engine not running)';
  if (!found.startedOnDemand) {
    const probe = new EngineClient(found.endpoint, serverMax ?? '1.41', silentLogger());
    try {
      version = await probe.json<WireVersion>('GET', '/version', { versioned: false });
      apiVersion = negotiateApiVersion(serverMax ?? version.ApiVersion, version.MinAPIVersion, found.kind);
    } catch (err) {
      apiVersion = `not negotiated: ${errorMessage(err)}`;
    } finally {
      await probe.close();
    }
  }
  return {
    kind: found.kind,
    endpoint: formatEndpoint(found.endpoint),
    source: found.source,
    steps: found.steps,
    apiVersion,
    serverApiVersion: serverMax ?? version.ApiVersion,
    serverVersion: version.Version,
    startedOnDemand: found.startedOnDemand,
    sessions: undefined,
  };
}
