export type { ContractContext, ContractOptions, ContractTestFn } from './types.js';
export {
  taskQueueContract,
  type TaskQueueHarness,
  type TaskQueueHarnessFactory,
  type TaskQueueHarnessOptions,
} from './task-queue.js';
export { inMemoryTaskQueueHarness } from './memory-harness.js';
export {
  resultStoreContract,
  type ResultStoreHarness,
  type ResultStoreHarnessFactory,
  type ResultStoreHarnessOptions,
} from './result-store.js';
export {
  tokenVerifierContract,
  type RejectedToken,
  type TokenVerifierHarness,
  type TokenVerifierHarnessFactory,
} from './token-verifier.js';
export { classifierContract, type ClassifierHarness, type ClassifierHarnessFactory } from './classifier.js';
export * from './fixtures.js';
export { eventually, gate, sleep } from './wait.js';
export {
  notifierContract,
  type NotifierHarness,
  type NotifierHarnessFactory,
  type ReceivedNotification,
} from './notifier.js';
export {
  outboxContract,
  outboxEntry,
  type OutboxHarness,
  type OutboxHarnessFactory,
  type OutboxHarnessOptions,
} from './outbox.js';
