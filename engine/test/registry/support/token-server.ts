import { execFileSync } from 'node:child_process';
import { randomUUID, sign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import path from 'node:path';
import { closeServer, listen } from '@skiff/testing';

const b64url = (b: Buffer | string) => Buffer.from(b).toString('base64url');

/**
 * A token endpoint as Docker Hub's auth.docker.io works (distribution docs/spec/auth/token.md):
 * GET ?service=&scope= with optional Basic credentials → a JWT the CNCF registry verifies against
 * the certificate in its `rootcertbundle`. Anonymous callers get pull only; `users` may push.
 */
export async function startTokenServer(
  dir: string,
  options: { service: string; users?: Record<string, string> },
) {
  const key = path.join(dir, 'token.key');
  const cert = path.join(dir, 'token.crt');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      key,
      '-out',
      cert,
      '-days',
      '1',
      '-subj',
      '/CN=skiff-test-token',
    ],
    { stdio: 'ignore' },
  );
  const keyPem = readFileSync(key);
  const der = Buffer.from(
    readFileSync(cert, 'utf8')
      .replace(/-----[^-]+-----/g, '')
      .replace(/\s+/g, ''),
    'base64',
  );
  const issuer = 'skiff-test-issuer';
  const requests: { scopes: string[]; user?: string }[] = [];
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    let user: string | undefined;
    const auth = req.headers.authorization;
    if (auth?.startsWith('Basic ')) {
      const [u, p] = Buffer.from(auth.slice(6), 'base64').toString().split(':');
      if (options.users?.[u!] !== p) {
        res.writeHead(401).end('{"details":"bad credentials"}');
        return;
      }
      user = u;
    }
    const scopes = url.searchParams.getAll('scope');
    requests.push({ scopes, ...(user ? { user } : {}) });
    const access = scopes.map((s) => {
      const [type, name, actions] = s.split(':');
      const wanted = (actions ?? '').split(',');
      return {
        type,
        name,
        actions: wanted.filter((a) => a === 'pull' || (user !== undefined && a === 'push')),
      };
    });
    const now = Math.floor(Date.now() / 1000);
    const header = { typ: 'JWT', alg: 'ES256', x5c: [der.toString('base64')] };
    const claims = {
      iss: issuer,
      sub: user ?? '',
      aud: options.service,
      exp: now + 300,
      nbf: now - 10,
      iat: now,
      jti: randomUUID(),
      access,
    };
    const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
    const sig = sign('sha256', Buffer.from(input), { key: keyPem, dsaEncoding: 'ieee-p1363' });
    const token = `${input}.${b64url(sig)}`;
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(
      JSON.stringify({ token, access_token: token, expires_in: 300, issued_at: new Date().toISOString() }),
    );
  });
  const host = await listen(server);
  return {
    realm: `http://${host}/token`,
    service: options.service,
    issuer,
    certFile: cert,
    requests,
    close: () => closeServer(server),
  };
}
