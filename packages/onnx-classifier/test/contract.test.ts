import { classifierContract } from '@visionq/core/testing';
import { describe, it } from 'vitest';
import { createOnnxClassifier } from '../src/index.js';
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

describe('OnnxClassifier: the Classifier contract, on the independently exported squeezenet (batch fixed to 1)', () => {
  classifierContract(it, async () => {
    const classifier = await createOnnxClassifier({ modelPath: fixture('squeezenet') });
    return { classifier, images, undecodable, cleanup: () => classifier.close() };
  });
});

describe('OnnxClassifier: the Classifier contract, on a dynamic-batch model', () => {
  classifierContract(it, async () => {
    const classifier = await createOnnxClassifier({ modelPath: fixture('colours-nchw'), maxBatch: 3 });
    return { classifier, images, undecodable, cleanup: () => classifier.close() };
  });
});

describe.skipIf(!benchModelAvailable)(
  'OnnxClassifier: the Classifier contract, on the MobileNetV2 bench model',
  () => {
    classifierContract(it, async () => {
      const classifier = await createOnnxClassifier({ modelPath: BENCH_MODEL, metadata: BENCH_METADATA });
      return { classifier, images, undecodable, cleanup: () => classifier.close() };
    });
  },
);
