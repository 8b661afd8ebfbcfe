import { existsSync } from 'node:fs';
import { mkdtemp, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { repoPath } from '@visionq/service-kit';
import { BENCH_METADATA, BENCH_MODEL } from '../../packages/onnx-classifier/test/models.js';

/**
 * The model a benchmark runs, as a `MODEL_PATH` with its metadata file beside it: `traffic-signs` (the bundled
 * demo model, 96×96 input: decoding is nearly all the work), `mobilenet` (the MobileNetV2-sized model beside the
 * repository in `../shared/bench`, 224×224: inference weighs as much as decoding), or the path of an `.onnx` file
 * that has its metadata beside it.
 */
export async function benchModel(name: string): Promise<string> {
  if (name === 'traffic-signs') return repoPath('models/traffic-signs/traffic-signs.onnx');
  if (name !== 'mobilenet') return name;
  if (!existsSync(BENCH_MODEL)) throw new Error(`the benchmark model is absent: ${BENCH_MODEL}`);
  // It ships without metadata, in a read-only folder: a folder of our own holds a link to it and its metadata.
  const dir = await mkdtemp(join(tmpdir(), 'visionq-bench-model-'));
  const modelPath = join(dir, basename(BENCH_MODEL));
  await symlink(BENCH_MODEL, modelPath);
  await writeFile(modelPath.replace(/\.onnx$/, '.json'), JSON.stringify(BENCH_METADATA));
  return modelPath;
}
