// `pnpm run token <uid>`: prints an unsigned, emulator-format ID token for local auth mode (curl, Postman).
import { createEmulatorIdToken } from '@visionq/auth-firebase';
import { run } from '@visionq/service-kit';
import { loadConfig } from './config.js';

run(async () => {
  const uid = process.argv[2];
  if (!uid) throw new Error('usage: pnpm run token <uid>');
  const config = loadConfig(process.env);
  if (config.AUTH_MODE !== 'local')
    throw new Error('AUTH_MODE is firebase: sign in with Firebase to get a token');
  process.stdout.write(
    `${createEmulatorIdToken({ uid, projectId: config.FIREBASE_PROJECT_ID, expiresInSeconds: 24 * 3600 })}\n`,
  );
});
