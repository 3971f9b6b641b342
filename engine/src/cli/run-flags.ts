import type { Command } from 'commander';
import { collect } from './units.js';

/** Options of `run` and `create` (docker's names); `run` adds -d, --rm handling of attach, -a. */
export interface CreateFlags {
  name?: string;
  interactive?: boolean;
  tty?: boolean;
  rm?: boolean;
  env: string[];
  envFile: string[];
  workdir?: string;
  user?: string;
  hostname?: string;
  label: string[];
  entrypoint?: string;
  volume: string[];
  mount: string[];
  tmpfs: string[];
  readOnly?: boolean;
  memory?: string;
  cpus?: string;
  pidsLimit?: string;
  privileged?: boolean;
  capAdd: string[];
  capDrop: string[];
  restart?: string;
  network?: string;
  networkAlias: string[];
  ip?: string;
  publish: string[];
  publishAll?: boolean;
  expose: string[];
  addHost: string[];
  ulimit: string[];
  shmSize?: string;
  logDriver?: string;
  logOpt: string[];
  securityOpt: string[];
  stopSignal?: string;
  stopTimeout?: string;
  init?: boolean;
  platform?: string;
  healthCmd?: string;
  healthInterval?: string;
  healthTimeout?: string;
  healthStartPeriod?: string;
  healthRetries?: string;
  healthcheck: boolean;
  dns: string[];
  sysctl: string[];
  groupAdd: string[];
}

/** Registers the create options on `cmd`. `-h` is `--hostname` here, as in docker, so help is `--help` only. */
export function addCreateFlags(cmd: Command): Command {
  return cmd
    .helpOption('--help', 'display help for command')
    .option('--name <name>', 'assign a name to the container')
    .option('-i, --interactive', 'keep STDIN open even if not attached')
    .option('-t, --tty', 'allocate a pseudo-TTY')
    .option('--rm', 'automatically remove the container when it exits')
    .option('-e, --env <KEY=VALUE>', 'set environment variables', collect, [])
    .option('--env-file <file>', 'read in a file of environment variables', collect, [])
    .option('-w, --workdir <dir>', 'working directory inside the container')
    .option('-u, --user <user>', 'username or UID (format: <name|uid>[:<group|gid>])')
    .option('-h, --hostname <name>', 'container host name')
    .option('-l, --label <KEY=VALUE>', 'set metadata on a container', collect, [])
    .option('--entrypoint <cmd>', 'overwrite the default ENTRYPOINT of the image')
    .option('-v, --volume <SRC:DST[:MODE]>', 'bind mount a volume', collect, [])
    .option('--mount <spec>', 'attach a filesystem mount to the container', collect, [])
    .option('--tmpfs <PATH[:OPTIONS]>', 'mount a tmpfs directory', collect, [])
    .option('--read-only', "mount the container's root filesystem as read only")
    .option('-m, --memory <bytes>', 'memory limit')
    .option('--cpus <number>', 'number of CPUs')
    .option('--pids-limit <n>', 'tune container pids limit (-1 for unlimited)')
    .option('--privileged', 'give extended privileges to this container')
    .option('--cap-add <cap>', 'add Linux capabilities', collect, [])
    .option('--cap-drop <cap>', 'drop Linux capabilities', collect, [])
    .option('--restart <policy>', 'restart policy: no, always, on-failure[:N], unless-stopped')
    .option(
      '--network <net>',
      'connect a container to a network (bridge, none, host, container:<name|id>, or a network name)',
    )
    .option('--network-alias <alias>', 'add network-scoped alias for the container', collect, [])
    .option('--ip <address>', 'IPv4 address of the container on its (user-defined) network')
    .option(
      '-p, --publish <[IP:][HOST:]CONTAINER[/PROTO]>',
      "publish a container's port(s) to the host",
      collect,
      [],
    )
    .option('-P, --publish-all', 'publish all exposed ports to random ports')
    .option('--expose <port>', 'expose a port or a range of ports', collect, [])
    .option('--add-host <host:ip>', 'add a custom host-to-IP mapping', collect, [])
    .option('--ulimit <name=soft[:hard]>', 'ulimit options', collect, [])
    .option('--shm-size <bytes>', 'size of /dev/shm')
    .option('--log-driver <driver>', 'logging driver for the container: json-file (default), local or none')
    .option('--log-opt <key=value>', 'log driver options: max-size=10m, max-file=3', collect, [])
    .option('--security-opt <opt>', 'security options', collect, [])
    .option('--stop-signal <signal>', 'signal to stop the container')
    .option('--stop-timeout <seconds>', 'timeout (in seconds) to stop a container')
    .option('--init', 'run an init inside the container that forwards signals and reaps processes')
    .option('--platform <platform>', 'set platform if server is multi-platform capable')
    .option('--health-cmd <cmd>', 'command to run to check health')
    .option('--health-interval <duration>', 'time between running the check')
    .option('--health-timeout <duration>', 'maximum time to allow one check to run')
    .option('--health-start-period <duration>', 'start period for the container to initialize')
    .option('--health-retries <n>', 'consecutive failures needed to report unhealthy')
    .option('--no-healthcheck', 'disable any container-specified HEALTHCHECK')
    .option('--dns <ip>', 'set custom DNS servers', collect, [])
    .option('--sysctl <k=v>', 'sysctl options', collect, [])
    .option('--group-add <group>', 'add additional groups to join', collect, []);
}
