import type { ExpectStatic } from 'vitest';

/** What a contract test receives: vitest's test context, of which the suites use only `expect`. */
export interface ContractContext {
  expect: ExpectStatic;
}

/**
 * The test-registering function a suite is given: vitest's `it` or `test` fits, and so does any collector with
 * the same call shape. The suites never import vitest themselves.
 */
export type ContractTestFn = (
  name: string,
  fn: (context: ContractContext) => Promise<void>,
  timeoutMs?: number,
) => void;

export interface ContractOptions {
  /** Registers extra, implementation-specific tests next to the contract's. */
  additionalTests?: (it: ContractTestFn) => void;
}
