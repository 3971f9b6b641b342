import { Label } from '../constants.js';

/**
 * Labels on everything `skiff up` creates. The `com.docker.compose.*` ones are docker compose's
 * own, so tools that know compose (and testcontainers' compose support) recognise the
 * environment; the `dev.skiff.*` ones are how `skiff ls`, `down` and `prune` find it.
 */
export const ComposeLabel = {
  Project: Label.ComposeProject,
  Service: Label.ComposeService,
  ContainerNumber: 'com.docker.compose.container-number',
  Oneoff: 'com.docker.compose.oneoff',
  WorkingDir: 'com.docker.compose.project.working_dir',
  ConfigFiles: 'com.docker.compose.project.config_files',
  ConfigHash: 'com.docker.compose.config-hash',
  /** `db:service_healthy:true,cache:service_started:true`, as docker compose writes it. */
  DependsOn: 'com.docker.compose.depends_on',
  Network: 'com.docker.compose.network',
  Volume: 'com.docker.compose.volume',
  /** The project name, on every resource of an environment. */
  Environment: Label.Environment,
  /** ISO time after which the engine removes the environment (`--ttl`). */
  Expires: 'dev.skiff.environment.expires',
  Session: Label.Session,
  Managed: 'dev.skiff.managed',
} as const;
