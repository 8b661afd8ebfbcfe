import type { RecognitionRule } from '@visionq/core';
import { classifierContract, type ClassifierHarness } from '@visionq/core/testing';
import { describe, it } from 'vitest';
import {
  createOnnxClassifier,
  loadModelMetadata,
  metadataPathFor,
  type OnnxClassifier,
  type OnnxClassifierOptions,
} from '../src/index.js';
import {
  corruptJpeg,
  photoJpeg,
  solidPng,
  truncated,
  RED,
  GREEN,
  BLUE,
} from '../../image-preprocess/test/images.js';
import { BENCH_METADATA, BENCH_MODEL, benchModelAvailable, fixture } from './models.js';

const images = async () => [
  await solidPng(RED),
  await photoJpeg(640, 480),
  await solidPng(GREEN, 50, 20),
  await solidPng(BLUE),
];
const undecodable = async () => [corruptJpeg(), truncated(await photoJpeg(300, 300))];

/** A harness on the model `options` names; `withRule` loads it again with the rule in place of its own. */
async function harness(options: OnnxClassifierOptions): Promise<ClassifierHarness> {
  const classifier = await createOnnxClassifier(options);
  const others: OnnxClassifier[] = [];
  return {
    classifier,
    images,
    undecodable,
    withRule: async (rule: RecognitionRule) => {
      const {
        noneLabel: _,
        minConfidence: __,
        ...metadata
      } = options.metadata ?? (await loadModelMetadata(metadataPathFor(options.modelPath)));
      const other = await createOnnxClassifier({ ...options, metadata: { ...metadata, ...rule } });
      others.push(other);
      return other;
    },
    cleanup: async () => {
      await Promise.all([classifier, ...others].map((c) => c.close()));
    },
  };
}

describe('OnnxClassifier: the Classifier contract, on the independently exported squeezenet (batch fixed to 1)', () => {
  classifierContract(it, () => harness({ modelPath: fixture('squeezenet') }));
});

describe('OnnxClassifier: the Classifier contract, on a dynamic-batch model', () => {
  classifierContract(it, () => harness({ modelPath: fixture('colours-nchw'), maxBatch: 3 }));
});

describe.skipIf(!benchModelAvailable)(
  'OnnxClassifier: the Classifier contract, on the MobileNetV2 bench model',
  () => {
    classifierContract(it, () => harness({ modelPath: BENCH_MODEL, metadata: BENCH_METADATA }));
  },
);
