import type { Readable } from 'node:stream';
import { request } from 'undici';
import { errorMessage, SkiffError } from '../../errors.js';

/** A download for `ADD <url>`. */
export interface FetchedUrl {
  body: Readable;
  /** From `Last-Modified`: the file's mtime (Docker's rule); absent when the server sent none. */
  lastModified?: Date;
}

/** The narrow port ADD downloads go through (undici in the engine; a local server in tests). */
export interface UrlFetcher {
  fetch(url: string, options: { signal?: AbortSignal }): Promise<FetchedUrl>;
}

const MAX_REDIRECTS = 10;

/** HTTP(S) downloads with undici, following redirects; any status but 200 is an error. */
export class HttpUrlFetcher implements UrlFetcher {
  async fetch(url: string, options: { signal?: AbortSignal } = {}): Promise<FetchedUrl> {
    let target = url;
    for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
      let res: Awaited<ReturnType<typeof request>>;
      try {
        res = await request(target, { method: 'GET', signal: options.signal });
      } catch (err: unknown) {
        throw new SkiffError('SKIFF_BUILD_DOWNLOAD', `cannot download ${url}: ${errorMessage(err)}`, {
          cause: err,
        });
      }
      const location = res.headers.location;
      if (res.statusCode >= 300 && res.statusCode < 400 && typeof location === 'string') {
        res.body.resume();
        target = new URL(location, target).toString();
        continue;
      }
      if (res.statusCode !== 200) {
        res.body.resume();
        throw new SkiffError(
          'SKIFF_BUILD_DOWNLOAD',
          `cannot download ${url}: the server answered HTTP ${res.statusCode}`,
        );
      }
      const header = res.headers['last-modified'];
      const modified = typeof header === 'string' ? new Date(header) : undefined;
      const fetched: FetchedUrl = { body: res.body };
      if (modified && !Number.isNaN(modified.getTime())) fetched.lastModified = modified;
      return fetched;
    }
    throw new SkiffError(
      'SKIFF_BUILD_DOWNLOAD',
      `cannot download ${url}: more than ${MAX_REDIRECTS} redirects`,
    );
  }
}
