import { UnauthorizedError, type UnauthorizedReason } from '../errors.js';
import type { TokenVerifier } from '../ports.js';
import type { ContractOptions, ContractTestFn } from './types.js';

export interface RejectedToken {
  /** Says what is wrong with it, for the test name. */
  name: string;
  token: string;
  reason: UnauthorizedReason;
}

/** What a `TokenVerifier` implementation provides to run the contract. */
export interface TokenVerifierHarness {
  verifier: TokenVerifier;
  /** A token the verifier must accept, for `uid`. */
  validToken(uid: string): Promise<string>;
  /** Tokens the verifier must refuse, each with the reason it must give. */
  rejectedTokens(): Promise<RejectedToken[]>;
  cleanup(): Promise<void>;
}

export type TokenVerifierHarnessFactory = () => Promise<TokenVerifierHarness>;

/** Registers the `TokenVerifier` contract. */
export function tokenVerifierContract(
  it: ContractTestFn,
  createHarness: TokenVerifierHarnessFactory,
  options: ContractOptions = {},
): void {
  const withHarness = (body: (h: TokenVerifierHarness) => Promise<void>) => async () => {
    const harness = await createHarness();
    try {
      await body(harness);
    } finally {
      await harness.cleanup();
    }
  };
  const test = (name: string, fn: Parameters<ContractTestFn>[1]) => it(`TokenVerifier: ${name}`, fn, 20_000);

  test('accepts a valid token and returns its uid and claims', async ({ expect }) =>
    withHarness(async (h) => {
      const verified = await h.verifier.verify(await h.validToken('alice-123'));
      expect(verified.uid).toBe('alice-123');
      expect(typeof verified.claims).toBe('object');
    })());

  test('tells users apart', async ({ expect }) =>
    withHarness(async (h) => {
      const [a, b] = await Promise.all([h.validToken('user-a'), h.validToken('user-b')]);
      expect((await h.verifier.verify(a)).uid).toBe('user-a');
      expect((await h.verifier.verify(b)).uid).toBe('user-b');
    })());

  test('refuses an empty token as missing', async ({ expect }) =>
    withHarness(async (h) => {
      await expect(h.verifier.verify('')).rejects.toMatchObject({ code: 'unauthorized', reason: 'missing' });
    })());

  test('refuses every bad token with UnauthorizedError and the expected reason', async ({ expect }) =>
    withHarness(async (h) => {
      const rejected = await h.rejectedTokens();
      expect(rejected.length).toBeGreaterThan(0);
      for (const { name, token, reason } of rejected) {
        const error = await h.verifier.verify(token).then(
          () => undefined,
          (thrown: unknown) => thrown,
        );
        expect(error, name).toBeInstanceOf(UnauthorizedError);
        expect((error as UnauthorizedError).reason, name).toBe(reason);
      }
    })());

  test('an error message never echoes the token', async ({ expect }) =>
    withHarness(async (h) => {
      for (const { token } of await h.rejectedTokens()) {
        if (token.length < 8) continue;
        const error = (await h.verifier.verify(token).catch((thrown: unknown) => thrown)) as Error;
        expect(error.message).not.toContain(token);
      }
    })());

  options.additionalTests?.(it);
}
