import { ZERO_TIME } from '../../constants.js';
import type { ImageRecord } from '../../images/image-record.js';
import { familiarName, parseReference } from '../../images/reference.js';
import type { ImageInspectWire, ImageSummaryWire, WireImageConfig } from './image-wire.js';

/** `docker.io/library/redis:7` → `redis:7`, the form Docker shows; unparsable names pass through. */
export function familiar(name: string): string {
  try {
    return familiarName(parseReference(name));
  } catch {
    return name;
  }
}

function createdIso(image: ImageRecord): string {
  return image.config.created ?? new Date(image.addedAt).toISOString();
}

function imageConfig(image: ImageRecord): WireImageConfig {
  const c = image.config.config ?? {};
  const out: WireImageConfig = {
    Hostname: '',
    Domainname: '',
    User: c.User ?? '',
    AttachStdin: false,
    AttachStdout: false,
    AttachStderr: false,
    Tty: false,
    OpenStdin: false,
    StdinOnce: false,
    Env: c.Env ?? null,
    Cmd: c.Cmd ?? null,
    Image: '',
    Volumes: c.Volumes ?? null,
    WorkingDir: c.WorkingDir ?? '',
    Entrypoint: c.Entrypoint ?? null,
    OnBuild: c.OnBuild ?? null,
    Labels: c.Labels ?? null,
  };
  if (c.ExposedPorts) out.ExposedPorts = c.ExposedPorts;
  if (c.Healthcheck) out.Healthcheck = c.Healthcheck;
  if (c.ArgsEscaped) out.ArgsEscaped = c.ArgsEscaped;
  if (c.StopSignal) out.StopSignal = c.StopSignal;
  if (c.Shell) out.Shell = c.Shell;
  return out;
}

/** ImageRecord → `GET /images/{name}/json`. */
export function toImageInspect(image: ImageRecord): ImageInspectWire {
  const out: ImageInspectWire = {
    Id: image.id,
    RepoTags: image.repoTags.map(familiar),
    RepoDigests: image.repoDigests.map(familiar),
    Parent: image.parent ?? '',
    Comment: image.config.history?.at(-1)?.comment ?? '',
    Created: createdIso(image),
    DockerVersion: image.config.docker_version ?? '',
    Author: image.config.author ?? '',
    Config: imageConfig(image),
    Architecture: image.config.architecture,
    Os: image.config.os,
    Size: image.size,
    GraphDriver: { Name: 'overlay2', Data: null },
    RootFS: { Type: 'layers', Layers: [...image.config.rootfs.diff_ids] },
    Metadata: { LastTagTime: ZERO_TIME },
  };
  if (image.config.variant) out.Variant = image.config.variant;
  return out;
}

/** ImageRecord → one item of `GET /images/json`. */
export function toImageSummary(image: ImageRecord, containers = -1): ImageSummaryWire {
  return {
    Id: image.id,
    ParentId: image.parent ?? '',
    RepoTags: image.repoTags.map(familiar),
    RepoDigests: image.repoDigests.map(familiar),
    Created: Math.floor(Date.parse(createdIso(image)) / 1000),
    Size: image.size,
    SharedSize: -1,
    Labels: image.config.config?.Labels ?? null,
    Containers: containers,
  };
}
