import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Writes a service-account key file made at run time; returns its path, its public key, and a remover. */
export function writeServiceAccountKey(projectId: string) {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const dir = mkdtempSync(join(tmpdir(), 'visionq-auth-sa-'));
  const keyFile = join(dir, 'firebase-key.json');
  writeFileSync(
    keyFile,
    JSON.stringify({
      type: 'service_account',
      project_id: projectId,
      private_key_id: randomUUID().replaceAll('-', ''),
      private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }),
      client_email: `firebase-adminsdk@${projectId}.iam.gserviceaccount.com`,
      client_id: '1',
      token_uri: 'https://oauth2.googleapis.com/token',
    }),
    { mode: 0o600 },
  );
  return {
    keyFile,
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
