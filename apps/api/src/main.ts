// `pnpm start:api`: the API alone (production). Needs RabbitMQ and Redis.
import {
  createInfrastructure,
  createLogger,
  requireBrokers,
  run,
  stdout,
  stopOnSignal,
} from '@visionq/service-kit';
import { loadConfig } from './config.js';
import { createMetrics } from './metrics.js';
import { servingLine, startApi } from './start.js';

run(async () => {
  const config = loadConfig(process.env);
  requireBrokers(config);
  const out = stdout();
  const logger = createLogger(config.LOG_LEVEL, 'api', out);
  const infrastructure = await createInfrastructure(config, logger);
  const api = await startApi({ config, logger, metrics: createMetrics(), infrastructure });
  stopOnSignal(logger, async () => {
    await api.stop();
    await infrastructure.close();
  });
  out.write(servingLine(api.url, config));
});
