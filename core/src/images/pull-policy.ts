/** Decides whether `start()` pulls an image that may already be present. */
export interface ImagePullPolicy {
  /** `present` says whether the engine has the image. */
  shouldPull(present: boolean): boolean;
}

/** testcontainers' `PullPolicy`: the default pulls only missing images; `alwaysPull` always pulls. */
export const PullPolicy = {
  defaultPolicy: (): ImagePullPolicy => ({ shouldPull: (present) => !present }),
  alwaysPull: (): ImagePullPolicy => ({ shouldPull: () => true }),
} as const;
