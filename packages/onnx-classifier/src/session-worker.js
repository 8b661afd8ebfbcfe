// Runs in a worker thread (piscina): owns one onnxruntime session, so that `session.run`, which blocks its
// JavaScript thread for the whole batch, never blocks the caller's. Plain JavaScript because a worker is loaded by
// Node itself, from src/ in tests as from dist/ once built.
import { getPriority, setPriority } from 'node:os';
import { move, workerData } from 'piscina';
import { InferenceSession, Tensor } from 'onnxruntime-node';

const { modelPath, intraOpNumThreads, spinning, niceness } = workerData;

// On Linux, setpriority(0) applies to the calling thread alone, and the threads onnxruntime starts next inherit
// it: inference then yields the CPU to the caller's event loop whenever that has work, and takes the rest.
if (niceness > 0 && process.platform === 'linux') {
  try {
    setPriority(0, Math.min(19, getPriority(0) + niceness));
  } catch {
    // Not permitted here (some sandboxes): inference runs at normal priority.
  }
}

// A model that fails to load must not crash the worker (piscina would start another, forever): every task
// reports the failure instead, and the classifier turns it into InvalidModelError.
const loading = InferenceSession.create(modelPath, {
  intraOpNumThreads,
  interOpNumThreads: 1,
  executionMode: 'sequential',
  graphOptimizationLevel: 'all',
  logSeverityLevel: 3,
  extra: { session: { intra_op: { allow_spinning: spinning ? '1' : '0' } } },
}).then(
  (session) => ({ session }),
  (error) => ({ error: String(error?.message ?? error) }),
);

const describe = (values) =>
  values.map(({ name, isTensor, type, shape }) => ({
    name,
    isTensor,
    type,
    shape: isTensor ? [...shape] : [],
  }));

export default async function task(request) {
  const { session, error } = await loading;
  if (error) return { loadError: error };
  if (request.kind === 'describe')
    return { inputs: describe(session.inputMetadata), outputs: describe(session.outputMetadata) };
  const { input, output, dtype, data, dims } = request;
  const results = await session.run({ [input]: new Tensor(dtype, data, dims) }, [output]);
  // The output goes back by transferring its buffer, not by copying it; piscina moves only a top-level value, so
  // the caller reads the shape from what it sent (batch size) and the length of this array.
  return move(results[output].data);
}
