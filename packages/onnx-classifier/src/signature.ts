import { InvalidModelError } from '@visionq/core';
import type { ModelMetadata } from './metadata.js';

/** A model input or output as onnxruntime declares it; a dimension is a number or a symbolic name. */
export interface ValueInfo {
  name: string;
  isTensor: boolean;
  type: string;
  shape: (number | string)[];
}

export interface ModelSignature {
  inputs: ValueInfo[];
  outputs: ValueInfo[];
}

/** What the classifier needs to know about a model once its metadata agrees with it. */
export interface Binding {
  input: string;
  output: string;
  /** Largest batch one `session.run` takes: 1 when the model's batch dimension is fixed to 1. */
  maxBatch: number;
}

const fixed = (dim: number | string | undefined): dim is number => typeof dim === 'number' && dim > 0;

function pick(kind: 'input' | 'output', values: ValueInfo[], wanted: string | undefined): ValueInfo {
  const names = values.map((value) => `"${value.name}"`).join(', ');
  if (wanted === undefined) {
    if (values.length === 1) return values[0] as ValueInfo;
    throw new InvalidModelError(
      `the model has ${values.length} ${kind}s (${names}): name one in the metadata`,
    );
  }
  const found = values.find((value) => value.name === wanted);
  if (!found) throw new InvalidModelError(`the metadata names ${kind} "${wanted}"; the model has ${names}`);
  return found;
}

/**
 * Checks the metadata against the model's declared input and output, so that a mismatch fails at load with a
 * message that names it, not at the first image. Dimensions the model leaves symbolic are accepted.
 */
export function bindModel(metadata: ModelMetadata, signature: ModelSignature, maxBatch: number): Binding {
  const { preprocess: spec, labels } = metadata;
  const input = pick('input', signature.inputs, metadata.input);
  const output = pick('output', signature.outputs, metadata.output.name);
  const problems: string[] = [];
  if (!input.isTensor) problems.push(`input "${input.name}" is not a tensor`);
  if (input.type !== spec.dtype)
    problems.push(`input "${input.name}" is ${input.type}, the metadata says dtype ${spec.dtype}`);
  if (input.shape.length !== 4) {
    problems.push(`input "${input.name}" has ${input.shape.length} dimensions [${input.shape}], expected 4`);
  } else {
    const expected =
      spec.layout === 'NCHW'
        ? { C: input.shape[1], H: input.shape[2], W: input.shape[3] }
        : { H: input.shape[1], W: input.shape[2], C: input.shape[3] };
    const check = (axis: string, actual: number | string | undefined, wanted: number, field: string) => {
      if (fixed(actual) && actual !== wanted)
        problems.push(
          `input "${input.name}" [${input.shape}] (${spec.layout}) has ${axis}=${actual}, ${field} is ${wanted}`,
        );
    };
    check('C', expected.C, spec.channels, 'preprocess.channels');
    check('H', expected.H, spec.height, 'preprocess.height');
    check('W', expected.W, spec.width, 'preprocess.width');
  }
  if (!output.isTensor || !['float32', 'float64'].includes(output.type))
    problems.push(`output "${output.name}" is ${output.type}, expected float32 scores`);
  const perImage = output.shape.slice(1);
  if (perImage.every(fixed)) {
    const classes = perImage.reduce((a, b) => a * b, 1);
    if (classes !== labels.length)
      problems.push(
        `output "${output.name}" [${output.shape}] has ${classes} classes, the metadata ${labels.length} labels`,
      );
  }
  const batch = input.shape[0];
  if (fixed(batch) && batch !== 1)
    problems.push(
      `input "${input.name}" has its batch dimension fixed to ${batch}; only 1 or a dynamic batch is supported`,
    );
  if (problems.length > 0)
    throw new InvalidModelError(`model does not match its metadata: ${problems.join('; ')}`);
  return { input: input.name, output: output.name, maxBatch: batch === 1 ? 1 : maxBatch };
}
