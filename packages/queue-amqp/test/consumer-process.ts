// A worker process for the kill test: consumes from the queue named on the command line, says which task it
// holds, and never finishes it. The test kills it with SIGKILL, as an OOM killer or a lost node would.
import { createAmqpTaskQueue } from '../src/index.js';

const [url, queue, deliveryLimit] = process.argv.slice(2) as [string, string, string];
const client = await createAmqpTaskQueue({ url, queue, deliveryLimit: Number(deliveryLimit) });
await client.consume(
  async (task) => {
    process.stdout.write(`holding ${task.message.taskId} ${task.deliveryCount}\n`);
    await new Promise(() => undefined);
  },
  { prefetch: 1 },
);
process.stdout.write('consuming\n');
