import { chmodSync, copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { idTokenClaims, makeSigningKey, signRs256 } from '../../packages/auth-firebase/test/support/keys.js';
import { writeServiceAccountKey } from '../../packages/auth-firebase/test/support/service-account.js';

// Firebase for the API in its production configuration (AUTH_MODE=firebase, a service-account key mounted as a
// file), where Google cannot be reached: as the auth package's tests do, the tests sign ID tokens with a key
// made at run time and publish its certificate where firebase-admin fetches Google's. Here that is a container
// answering as www.googleapis.com on the test's container network (google-stand-in.mjs), with a TLS certificate
// the API is told to trust through NODE_EXTRA_CA_CERTS. firebase-admin's own verification path does the rest.

export const PROJECT_ID = 'visionq-deploy-test';
/** Where the folder of `makeFirebase()` is mounted in the stand-in's container. */
export const STAND_IN_COMMAND = ['node', '/config/google-stand-in.mjs', '/config'];
export const STAND_IN_HOST = 'www.googleapis.com';

/**
 * A folder (readable by the images' uid 1000, as deploy/README.md asks of the key) with a service-account key
 * file, the stand-in's TLS key and certificate for www.googleapis.com (`googleapis.pem`, also the CA to trust),
 * the published signing certificate, and the stand-in itself; and a signer of ID tokens for `PROJECT_ID`.
 */
export function makeFirebase() {
  const dir = mkdtempSync(join(tmpdir(), 'visionq-deploy-'));
  chmodSync(dir, 0o755);
  const file = (name: string, content: string) => {
    writeFileSync(join(dir, name), content);
    chmodSync(join(dir, name), 0o644);
  };
  const account = writeServiceAccountKey(PROJECT_ID);
  file('firebase-key.json', readFileSync(account.keyFile, 'utf8'));
  account.remove();
  const tls = makeSigningKey('googleapis stand-in', [STAND_IN_HOST]);
  file('googleapis.key', tls.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());
  file('googleapis.pem', tls.certificatePem);
  const signing = makeSigningKey();
  file('securetoken.json', JSON.stringify({ [signing.kid]: signing.certificatePem }));
  copyFileSync(join(import.meta.dirname, 'google-stand-in.mjs'), join(dir, 'google-stand-in.mjs'));
  chmodSync(join(dir, 'google-stand-in.mjs'), 0o644);
  return {
    dir,
    keyFile: join(dir, 'firebase-key.json'),
    /** A valid Firebase ID token for `uid`, signed with the published key. */
    token: (uid: string) => signRs256(idTokenClaims(PROJECT_ID, uid), signing),
  };
}
