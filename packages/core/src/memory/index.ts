export { InMemoryBroker, InMemoryTaskQueue, type InMemoryTaskQueueOptions } from './task-queue.js';
export { InMemoryResultStore, InMemoryStorage, type InMemoryResultStoreOptions } from './result-store.js';
export { StaticTokenVerifier } from './token-verifier.js';
export { FakeClassifier, type FakeClassifierOptions } from './fake-classifier.js';
export { RecordingNotifier, type RecordingNotifierOptions, type ReceiverStep } from './notifier.js';
export {
  InMemoryNotificationOutbox,
  InMemoryOutboxStorage,
  type InMemoryNotificationOutboxOptions,
} from './outbox.js';
