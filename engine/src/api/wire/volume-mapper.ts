import type { VolumeCreateInput, VolumeRecord } from '../../volumes/volume-store.js';
import { optString, optStringMap, requireObject } from './wire-value.js';

/** moby `api/types/volume.Volume`. */
export interface VolumeWire {
  Name: string;
  Driver: string;
  Mountpoint: string;
  CreatedAt: string;
  Labels: Record<string, string>;
  Scope: string;
  Options: Record<string, string>;
}

export function toVolumeWire(v: VolumeRecord): VolumeWire {
  return {
    Name: v.name,
    Driver: v.driver,
    Mountpoint: v.mountpoint,
    CreatedAt: v.createdAt,
    Labels: v.labels,
    Scope: v.scope,
    Options: v.options,
  };
}

/** `POST /volumes/create` body: `{Name, Driver, DriverOpts, Labels}`; everything optional. */
export function toVolumeCreateInput(raw: unknown): VolumeCreateInput {
  const body = requireObject(raw ?? {}, 'volume create body');
  const input: VolumeCreateInput = {};
  const name = optString(body, 'Name');
  if (name) input.name = name;
  const driver = optString(body, 'Driver');
  if (driver) input.driver = driver;
  const labels = optStringMap(body, 'Labels');
  if (labels) input.labels = labels;
  const driverOpts = optStringMap(body, 'DriverOpts');
  if (driverOpts) input.driverOpts = driverOpts;
  return input;
}
