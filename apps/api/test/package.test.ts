import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

// The API serves HTTP and queues images; classifying them is the worker's (and the all-in-one's) business. Its
// tests need no inference package either: their in-process worker is a fake over core's FakeClassifier.

const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};

describe('@visionq/api', () => {
  it.each(['dependencies', 'devDependencies'] as const)('names no inference package in %s', (field) => {
    for (const name of ['onnxruntime-node', '@visionq/onnx-classifier', '@visionq/task-processor']) {
      expect(manifest[field], name).not.toHaveProperty(name);
    }
  });

  it('reads uploads with multer', () => {
    expect(manifest.dependencies).toHaveProperty('multer');
    expect(manifest.dependencies).not.toHaveProperty('busboy');
  });
});
