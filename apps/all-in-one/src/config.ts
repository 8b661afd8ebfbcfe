import { apiEnv, resolveAuth } from '@visionq/api';
import { brokerEnv, parseEnv, processEnv } from '@visionq/service-kit';
import { withModelPath, workerEnv } from '@visionq/worker';

const shape = { ...brokerEnv, ...processEnv, ...apiEnv, ...workerEnv };

/** The API's variables and the worker's, read once; RabbitMQ and Redis only where their URLs are set. */
export function loadAllInOneConfig(env: Record<string, string | undefined>) {
  return withModelPath(resolveAuth(parseEnv(shape, env)));
}

export type AllInOneConfig = ReturnType<typeof loadAllInOneConfig>;
