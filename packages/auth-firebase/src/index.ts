export { createFirebaseTokenVerifier, type FirebaseTokenVerifierOptions } from './firebase-verifier.js';
export { createLocalTokenVerifier, type LocalTokenVerifierOptions } from './local-verifier.js';
export { createEmulatorTokenVerifier, type EmulatorTokenVerifierOptions } from './emulator-verifier.js';
export { createEmulatorIdToken, type EmulatorIdTokenOptions } from './emulator-token.js';
export type { FirebaseCredential } from './app.js';
export {
  createFirebaseAppCheckVerifier,
  type FirebaseAppCheckVerifierOptions,
} from './app-check-verifier.js';
