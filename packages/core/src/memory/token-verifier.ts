import { UnauthorizedError, UnavailableError } from '../errors.js';
import type { TokenVerifier, VerifiedToken } from '../ports.js';

/**
 * `TokenVerifier` over a fixed table of opaque tokens. For unit tests of the apps; it has no notion of expiry
 * or signatures, so it never belongs in a deployment.
 */
export class StaticTokenVerifier implements TokenVerifier {
  readonly #tokens: Map<string, VerifiedToken>;
  #closed = false;

  constructor(tokens: Record<string, string | VerifiedToken>) {
    this.#tokens = new Map(
      Object.entries(tokens).map(([token, who]) => [
        token,
        typeof who === 'string' ? { uid: who, claims: { sub: who } } : who,
      ]),
    );
  }

  async verify(token: string): Promise<VerifiedToken> {
    if (this.#closed) throw new UnavailableError('token verifier is closed');
    if (token.trim() === '') throw new UnauthorizedError('missing');
    const found = this.#tokens.get(token);
    if (!found) throw new UnauthorizedError('invalid');
    return found;
  }

  async close(): Promise<void> {
    this.#closed = true;
  }
}
