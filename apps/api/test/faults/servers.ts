import { probeServer } from '@visionq/test-support/servers';

/** Set by vitest.faults.config.ts: the main run matches these files too, and skips them. */
const enabled = process.env.VISIONQ_FAULTS === '1';
const amqp = enabled ? await probeServer('amqp') : undefined;
const redis = enabled ? await probeServer('redis') : undefined;

/** The servers the fault suite runs against, and whether it runs at all. */
export const servers = {
  urls: { amqp: amqp?.url ?? '', redis: redis?.url ?? '' },
  skip: !amqp?.available || !redis?.available,
};
