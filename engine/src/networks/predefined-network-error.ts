import { SkiffError } from '../errors.js';

/**
 * An operation that the built-in networks (`bridge`, `host`, `none`) do not allow, such as
 * removing them. moby answers these with 403 Forbidden (`errdefs.Forbidden`), and so does Skiff.
 */
export class PredefinedNetworkError extends SkiffError {
  constructor(message: string) {
    super('SKIFF_NETWORK_PREDEFINED', message);
  }
}
