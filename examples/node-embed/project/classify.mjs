// Classifies images in this process, no service needed: node classify.mjs <model.onnx> <image…>
// Prints one JSON line per image: its type and size, and the model's top-k labels (or why it could not be read).
import { readFile } from 'node:fs/promises';
import { isVisionqError } from '@visionq/core';
import { inspect } from '@visionq/image-preprocess';
import { createOnnxClassifier } from '@visionq/onnx-classifier';

const [modelPath, ...files] = process.argv.slice(2);
if (!modelPath || files.length === 0) {
  console.error('usage: node classify.mjs <model.onnx> <image…>');
  process.exit(2);
}

let classifier;
let failures = 0;
try {
  // The labels and preprocessing come from the metadata file beside the model (<model>.json).
  classifier = await createOnnxClassifier({ modelPath, workers: 1 });
  const images = await Promise.all(files.map((file) => readFile(file)));
  // One call for all images: they run as one batch. A bad image fails alone.
  const results = await classifier.classify(images);
  for (const [i, result] of results.entries()) {
    const file = files[i];
    if (result.ok) {
      const { type, width, height } = await inspect(images[i]);
      const { label, confidence, top_k } = result.prediction;
      console.log(JSON.stringify({ file, type, width, height, label, confidence, top_k }));
    } else {
      failures += 1;
      console.log(
        JSON.stringify({ file, error: { code: result.error.code, message: result.error.message } }),
      );
    }
  }
} catch (error) {
  // Typed errors (a bad model file, say) carry a stable code; anything else is a bug worth its stack.
  if (!isVisionqError(error)) throw error;
  console.error(`${error.code}: ${error.message}`);
  process.exitCode = 2;
} finally {
  await classifier?.close();
}
if (failures > 0) process.exitCode = 1;
