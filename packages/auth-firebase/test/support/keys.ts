import { createHmac, generateKeyPairSync, randomUUID, sign, type KeyObject } from 'node:crypto';
import forge from 'node-forge';

export interface SigningKey {
  kid: string;
  privateKey: KeyObject;
  /** PEM of a self-signed X.509 certificate for the key, as Google publishes its securetoken keys. */
  certificatePem: string;
}

/** A fresh RSA key and its self-signed certificate, made at run time (nothing secret is ever committed). */
export function makeSigningKey(
  commonName = 'securetoken.system.gserviceaccount.com',
  altNames: string[] = [],
) {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const certificate = forge.pki.createCertificate();
  certificate.publicKey = forge.pki.publicKeyFromPem(
    publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  );
  certificate.serialNumber = `01${randomUUID().replaceAll('-', '')}`;
  certificate.validity.notBefore = new Date(Date.now() - 86_400_000);
  certificate.validity.notAfter = new Date(Date.now() + 7 * 86_400_000);
  const subject = [{ name: 'commonName', value: commonName }];
  certificate.setSubject(subject);
  certificate.setIssuer(subject);
  if (altNames.length > 0) {
    certificate.setExtensions([
      { name: 'basicConstraints', cA: true },
      { name: 'subjectAltName', altNames: altNames.map((value) => ({ type: 2, value })) },
    ]);
  }
  const forgeKey = forge.pki.privateKeyFromPem(
    privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  );
  certificate.sign(forgeKey, forge.md.sha256.create());
  return {
    kid: randomUUID().replaceAll('-', ''),
    privateKey,
    certificatePem: forge.pki.certificateToPem(certificate),
  } satisfies SigningKey;
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
