// `pnpm start:api`: the API alone (production). Needs RabbitMQ and Redis.
import { loadConfig, requireBrokers } from './config.js';
import { createLogger } from './logger.js';
import { createMetrics } from './metrics.js';
import { run, startApi } from './start.js';
import { createInfrastructure } from './wiring.js';

run(async () => {
  const config = loadConfig();
  requireBrokers(config);
  const logger = createLogger(config.LOG_LEVEL).child({ app: 'api' });
  const infrastructure = await createInfrastructure(config, logger);
  await startApi({ config, logger, metrics: createMetrics(), infrastructure });
});
