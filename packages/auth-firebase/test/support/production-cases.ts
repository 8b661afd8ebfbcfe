import type { RejectedToken } from '@visionq/core/testing';
import {
  idTokenClaims,
  makeSigningKey,
  signHs256WithCertificate,
  signRs256,
  unsignedJwt,
  type SigningKey,
} from './keys.js';

/**
 * Every token the production verifier must refuse, with the reason it must give. `key` is published by the
 * certificate server; the others are not.
 */
export function productionRejections(projectId: string, key: SigningKey): RejectedToken[] {
  const now = Math.floor(Date.now() / 1000);
  const claims = (overrides: Record<string, unknown> = {}) => idTokenClaims(projectId, 'mallory', overrides);
  const stranger = makeSigningKey();
  const valid = signRs256(claims(), key);
  const [header, payload, signature] = valid.split('.') as [string, string, string];
  const tamperedPayload = Buffer.from(JSON.stringify(claims({ sub: 'alice', user_id: 'alice' }))).toString(
    'base64url',
  );
  return [
    {
      name: 'expired',
      token: signRs256(claims({ iat: now - 7200, auth_time: now - 7200, exp: now - 3600 }), key),
      reason: 'expired',
    },
    {
      name: 'issued in the future',
      token: signRs256(claims({ iat: now + 600, exp: now + 4200 }), key),
      reason: 'not_yet_valid',
    },
    {
      name: 'authenticated in the future',
      token: signRs256(claims({ auth_time: now + 600 }), key),
      reason: 'not_yet_valid',
    },
    { name: 'wrong aud', token: signRs256(claims({ aud: 'someone-else' }), key), reason: 'wrong_audience' },
    {
      name: 'wrong iss',
      token: signRs256(claims({ iss: 'https://securetoken.google.com/someone-else' }), key),
      reason: 'wrong_issuer',
    },
    { name: 'empty sub', token: signRs256(claims({ sub: '' }), key), reason: 'no_subject' },
    { name: 'no sub', token: signRs256(claims({ sub: undefined }), key), reason: 'no_subject' },
    { name: 'no auth_time', token: signRs256(claims({ auth_time: undefined }), key), reason: 'malformed' },
    {
      name: 'signed by an unknown key under a known kid',
      token: signRs256(claims(), { ...stranger, kid: key.kid }),
      reason: 'bad_signature',
    },
    { name: 'unknown kid', token: signRs256(claims(), stranger), reason: 'unknown_key' },
    { name: 'no kid', token: signRs256(claims(), key, {}), reason: 'unknown_key' },
    {
      name: 'payload changed after signing',
      token: `${header}.${tamperedPayload}.${signature}`,
      reason: 'bad_signature',
    },
    { name: 'alg none', token: unsignedJwt(claims()), reason: 'unsigned' },
    { name: 'alg none with a kid', token: unsignedJwt(claims(), { kid: key.kid }), reason: 'unsigned' },
    {
      name: 'alg None with a signature',
      token: unsignedJwt(claims(), { alg: 'None', kid: key.kid }, signature),
      reason: 'unsigned',
    },
    { name: 'RS256 with the signature removed', token: `${header}.${payload}.`, reason: 'unsigned' },
    {
      name: 'HS256 signed with the public certificate',
      token: signHs256WithCertificate(claims(), key),
      reason: 'bad_signature',
    },
    { name: 'truncated signature', token: valid.slice(0, -12), reason: 'bad_signature' },
    { name: 'truncated to two segments', token: `${header}.${payload}`, reason: 'malformed' },
    { name: 'garbage', token: 'this is not a token at all, just garbage', reason: 'malformed' },
    { name: 'base64url garbage', token: 'abc.def.ghi', reason: 'malformed' },
    { name: 'with the Bearer prefix', token: `Bearer ${valid}`, reason: 'malformed' },
    { name: 'whitespace', token: '   ', reason: 'missing' },
  ];
}
