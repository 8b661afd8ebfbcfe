import { InvalidModelError } from '@visionq/core';
import { describe, expect, it } from 'vitest';
import { bindModel, createOnnxClassifier, parseModelMetadata, type ModelSignature } from '../src/index.js';
import { fixture } from './models.js';

const metadata = (overrides: Record<string, unknown> = {}) =>
  parseModelMetadata({
    name: 'm',
    version: '1',
    labels: ['a', 'b', 'c'],
    preprocess: { width: 224, height: 224 },
    output: { kind: 'logits' },
    ...overrides,
  });

const signature = (input: (number | string)[], output: (number | string)[] = ['N', 3]): ModelSignature => ({
  inputs: [{ name: 'x', isTensor: true, type: 'float32', shape: input }],
  outputs: [{ name: 'y', isTensor: true, type: 'float32', shape: output }],
});

describe('bindModel: metadata checked against the model', () => {
  it('binds the only input and output; a dynamic batch batches, a batch fixed to 1 does not', () => {
    expect(bindModel(metadata(), signature(['N', 3, 224, 224]), 16)).toEqual({
      input: 'x',
      output: 'y',
      maxBatch: 16,
    });
    expect(bindModel(metadata(), signature([1, 3, 224, 224], [1, 3]), 16).maxBatch).toBe(1);
    expect(bindModel(metadata(), signature([-1, 3, 'H', 'W']), 16).maxBatch).toBe(16);
  });

  it.each([
    [
      'a wrong size',
      metadata(),
      signature(['N', 3, 96, 96]),
      /H=96, preprocess.height is 224.*W=96, preprocess.width is 224/,
    ],
    [
      'a wrong layout',
      metadata({ preprocess: { width: 224, height: 224, layout: 'NHWC' } }),
      signature(['N', 3, 224, 224]),
      /\(NHWC\) has H=3/,
    ],
    [
      'too few labels',
      metadata(),
      signature(['N', 3, 224, 224], ['N', 1000]),
      /1000 classes, the metadata 3 labels/,
    ],
    ['a rank-2 input', metadata(), signature(['N', 150528]), /2 dimensions .* expected 4/],
    [
      'a uint8 model fed floats',
      metadata(),
      {
        ...signature(['N', 3, 224, 224]),
        inputs: [{ name: 'x', isTensor: true, type: 'uint8', shape: ['N', 3, 224, 224] }],
      },
      /input "x" is uint8, the metadata says dtype float32/,
    ],
    [
      'an unknown input name',
      metadata({ input: 'pixels' }),
      signature(['N', 3, 224, 224]),
      /names input "pixels"; the model has "x"/,
    ],
    [
      'an unknown output name',
      metadata({ output: { name: 'probs', kind: 'logits' } }),
      signature(['N', 3, 224, 224]),
      /names output "probs"; the model has "y"/,
    ],
    ['a batch fixed to 4', metadata(), signature([4, 3, 224, 224], [4, 3]), /batch dimension fixed to 4/],
  ])('refuses %s with InvalidModelError naming it', (_, meta, sig, message) => {
    const attempt = () => bindModel(meta, sig, 8);
    expect(attempt).toThrow(InvalidModelError);
    expect(attempt).toThrow(message);
  });

  it('asks for a name when the model has several inputs or outputs', () => {
    const two: ModelSignature = {
      ...signature(['N', 3, 224, 224]),
      outputs: [
        { name: 'y', isTensor: true, type: 'float32', shape: ['N', 3] },
        { name: 'features', isTensor: true, type: 'float32', shape: ['N', 1280] },
      ],
    };
    expect(() => bindModel(metadata(), two, 8)).toThrow(
      /2 outputs \("y", "features"\): name one in the metadata/,
    );
    expect(bindModel(metadata({ output: { name: 'y', kind: 'logits' } }), two, 8).output).toBe('y');
  });
});

describe('loading a real model whose metadata disagrees', () => {
  it('fails at load, naming the mismatch', async () => {
    const attempt = createOnnxClassifier({
      modelPath: fixture('squeezenet'),
      metadata: {
        name: 'squeezenet',
        version: '1',
        labels: ['a', 'b'],
        preprocess: { width: 96, height: 96 },
        output: { kind: 'logits' },
      },
    });
    await expect(attempt).rejects.toThrow(InvalidModelError);
    await expect(attempt).rejects.toThrow(
      /H=224, preprocess.height is 96.*10 classes, the metadata 2 labels/,
    );
  });
});
