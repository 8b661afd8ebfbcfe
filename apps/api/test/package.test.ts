import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

// The API serves HTTP and queues images; classifying them is the worker's (and the all-in-one's) business.

const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  dependencies: Record<string, string>;
};

describe('@visionq/api', () => {
  it('depends on no inference package', () => {
    for (const name of ['onnxruntime-node', '@visionq/onnx-classifier', '@visionq/task-processor']) {
      expect(manifest.dependencies, name).not.toHaveProperty(name);
    }
  });

  it('reads uploads with multer', () => {
    expect(manifest.dependencies).toHaveProperty('multer');
    expect(manifest.dependencies).not.toHaveProperty('busboy');
  });
});
