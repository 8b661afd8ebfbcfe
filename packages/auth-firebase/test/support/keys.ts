import { createHmac, sign } from 'node:crypto';
import { makeCertifiedKey, type CertifiedKey } from '@visionq/test-support/google';

/** A key and its self-signed X.509 certificate, as Google publishes its securetoken keys. */
export type SigningKey = CertifiedKey;

/** A fresh RSA key and its self-signed certificate, made at run time (nothing secret is ever committed). */
export function makeSigningKey(
  commonName = 'securetoken.system.gserviceaccount.com',
  altNames: readonly string[] = [],
): SigningKey {
  return makeCertifiedKey(commonName, altNames);
}

const segment = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** Signs a JWT with RS256, as Google signs Firebase ID tokens. */
export function signRs256(payload: object, key: SigningKey, header: object = { kid: key.kid }): string {
  const input = `${segment({ alg: 'RS256', typ: 'JWT', ...header })}.${segment(payload)}`;
  return `${input}.${sign('sha256', Buffer.from(input), key.privateKey).toString('base64url')}`;
}

/** The algorithm-confusion attack: HS256 with the public certificate as the HMAC secret. */
export function signHs256WithCertificate(payload: object, key: SigningKey): string {
  const input = `${segment({ alg: 'HS256', typ: 'JWT', kid: key.kid })}.${segment(payload)}`;
  return `${input}.${createHmac('sha256', key.certificatePem).update(input).digest('base64url')}`;
}

/** `alg: none` with the given header fields, optionally with a bogus signature segment. */
export function unsignedJwt(payload: object, header: object = {}, signature = ''): string {
  return `${segment({ alg: 'none', typ: 'JWT', ...header })}.${segment(payload)}.${signature}`;
}

/** The claims of a Firebase ID token for `uid`, valid now; `overrides` replace or (with undefined) drop claims. */
export function idTokenClaims(projectId: string, uid: string, overrides: Record<string, unknown> = {}) {
  const now = Math.floor(Date.now() / 1000);
  const claims: Record<string, unknown> = {
    iss: `https://securetoken.google.com/${projectId}`,
    aud: projectId,
    auth_time: now - 60,
    user_id: uid,
    sub: uid,
    iat: now - 30,
    exp: now + 3570,
    email: `${uid}@example.test`,
    firebase: { identities: {}, sign_in_provider: 'password' },
    ...overrides,
  };
  for (const [name, value] of Object.entries(claims)) if (value === undefined) delete claims[name];
  return claims;
}
