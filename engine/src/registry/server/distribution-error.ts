/** Error codes of the OCI distribution spec (§Error Codes), plus Docker's registry extensions. */
export type DistributionErrorCode =
  | 'BLOB_UNKNOWN'
  | 'BLOB_UPLOAD_INVALID'
  | 'BLOB_UPLOAD_UNKNOWN'
  | 'DIGEST_INVALID'
  | 'MANIFEST_BLOB_UNKNOWN'
  | 'MANIFEST_INVALID'
  | 'MANIFEST_UNKNOWN'
  | 'NAME_INVALID'
  | 'NAME_UNKNOWN'
  | 'SIZE_INVALID'
  | 'TAG_INVALID'
  | 'UNAUTHORIZED'
  | 'DENIED'
  | 'UNSUPPORTED'
  | 'RANGE_INVALID'
  | 'NOT_FOUND';

/**
 * An error the registry server answers with `{"errors":[{code,message,detail}]}`. Handlers throw it;
 * the server turns it into the response in one place.
 */
export class DistributionError extends Error {
  constructor(
    readonly status: number,
    readonly code: DistributionErrorCode,
    message: string,
    readonly detail?: unknown,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'DistributionError';
  }

  toJSON(): { errors: { code: string; message: string; detail?: unknown }[] } {
    return {
      errors: [
        {
          code: this.code,
          message: this.message,
          ...(this.detail !== undefined ? { detail: this.detail } : {}),
        },
      ],
    };
  }
}
