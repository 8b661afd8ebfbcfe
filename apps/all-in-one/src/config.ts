import { apiEnv, resolveAuth } from '@visionq/api';
import { brokerEnv, parseEnv, processEnv } from '@visionq/service-kit';
import { checkNotify, notifyWorkerEnv, withModelPath, workerEnv } from '@visionq/worker';

const shape = { ...brokerEnv, ...processEnv, ...apiEnv, ...workerEnv, ...notifyWorkerEnv };

/** The API's variables and the worker's, read once; RabbitMQ and Redis only where their URLs are set. */
export function loadAllInOneConfig(env: Record<string, string | undefined>) {
  const values = parseEnv(shape, env);
  checkNotify(values);
  return withModelPath(resolveAuth(values));
}

export type AllInOneConfig = ReturnType<typeof loadAllInOneConfig>;
