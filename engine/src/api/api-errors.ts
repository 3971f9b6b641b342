import { SkiffError } from '../errors.js';

/** No route matches the path (moby answers 404 `page not found`). */
export class RouteNotFoundError extends SkiffError {
  constructor() {
    super('SKIFF_ROUTE_NOT_FOUND', 'page not found');
  }
}

/** A request body exceeded the limit of its endpoint. */
export class PayloadTooLargeError extends SkiffError {
  constructor(limit: number) {
    super(
      'SKIFF_PAYLOAD_TOO_LARGE',
      `request body is larger than the limit of ${limit} bytes for this endpoint`,
    );
  }
}

/** The client asked for an API version outside the supported range. */
export class UnsupportedApiVersionError extends SkiffError {
  constructor(message: string) {
    super('SKIFF_API_VERSION', message);
  }
}
