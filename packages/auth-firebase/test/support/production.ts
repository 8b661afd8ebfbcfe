import { createFirebaseTokenVerifier, type FirebaseTokenVerifierOptions } from '../../src/index.js';
import { GoogleStandIn } from './google-stand-in.js';
import { idTokenClaims, makeSigningKey, signRs256, type SigningKey } from './keys.js';
import { writeServiceAccountKey } from './service-account.js';

export const PROJECT_ID = 'visionq-test';

/** A Google stand-in publishing one signing key, a service-account key file it trusts, and a verifier factory. */
export async function startProduction(key: SigningKey = makeSigningKey()) {
  const standIn = await GoogleStandIn.start();
  standIn.published = [key];
  const serviceAccount = writeServiceAccountKey(PROJECT_ID);
  standIn.serviceAccountPublicKeyPem = serviceAccount.publicKeyPem;
  return {
    standIn,
    key,
    keyFile: serviceAccount.keyFile,
    /** A verifier whose firebase-admin reaches only the stand-in. */
    verifier: (options: Partial<FirebaseTokenVerifierOptions> = {}) =>
      createFirebaseTokenVerifier({
        projectId: PROJECT_ID,
        httpAgent: standIn.agent,
        credential: { keyFile: serviceAccount.keyFile },
        ...options,
      }),
    /** A valid ID token for `uid`, signed with the published key. */
    token: (uid: string, overrides: Record<string, unknown> = {}) =>
      signRs256(idTokenClaims(PROJECT_ID, uid, overrides), key),
    async stop() {
      await standIn.close();
      serviceAccount.remove();
    },
  };
}

export type Production = Awaited<ReturnType<typeof startProduction>>;
