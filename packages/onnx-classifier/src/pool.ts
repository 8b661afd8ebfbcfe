import { InvalidModelError, VisionqError, ERROR_CODES } from '@visionq/core';
import type { ImageTensor } from '@visionq/image-preprocess';
import { Piscina } from 'piscina';
import type { ModelSignature } from './signature.js';

export interface SessionPoolOptions {
  modelPath: string;
  workers: number;
  intraOpNumThreads: number;
  spinning: boolean;
  niceness: number;
}

type LoadFailure = { loadError: string };
const failedToLoad = (value: unknown): value is LoadFailure =>
  typeof value === 'object' && value !== null && 'loadError' in value;

/**
 * Worker threads that each hold one onnxruntime session of the same model. Tensors travel to and from them by
 * transferring their buffers: the caller's thread neither copies them nor waits on inference.
 */
export class SessionPool {
  readonly #pool: Piscina;

  constructor(options: SessionPoolOptions) {
    this.#pool = new Piscina({
      filename: new URL('./session-worker.js', import.meta.url).href,
      name: 'default',
      minThreads: options.workers,
      maxThreads: options.workers,
      idleTimeout: Infinity,
      concurrentTasksPerWorker: 1,
      workerData: {
        modelPath: options.modelPath,
        intraOpNumThreads: options.intraOpNumThreads,
        spinning: options.spinning,
        niceness: options.niceness,
      },
    });
  }

  async describe(): Promise<ModelSignature> {
    return this.#check(await this.#pool.run({ kind: 'describe' })) as ModelSignature;
  }

  /** Runs one batch; the tensor's buffer is handed to the worker and unusable here afterwards. */
  async run(tensor: ImageTensor, input: string, output: string): Promise<Float32Array | Float64Array> {
    const { data, dims, dtype } = tensor;
    let result: unknown;
    try {
      result = await this.#pool.run(
        { kind: 'run', input, output, dtype, data, dims },
        { transferList: [data.buffer as ArrayBuffer] },
      );
    } catch (cause) {
      // onnxruntime rejects inputs the model cannot take (e.g. a size its graph cannot reshape): the model
      // and its metadata disagree, which no retry fixes.
      throw new InvalidModelError(`inference failed: ${(cause as Error)?.message ?? cause}`, { cause });
    }
    return this.#check(result) as Float32Array | Float64Array;
  }

  get queued(): number {
    return this.#pool.queueSize;
  }

  async close(): Promise<void> {
    await this.#pool.destroy();
  }

  #check(result: unknown): unknown {
    if (failedToLoad(result)) throw new InvalidModelError(`cannot load the model: ${result.loadError}`);
    if (result === undefined)
      throw new VisionqError(ERROR_CODES.internal, 'inference worker returned nothing');
    return result;
  }
}
