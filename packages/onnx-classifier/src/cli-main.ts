import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import type { Classification, ScoredLabel } from '@visionq/core';
import { createOnnxClassifier } from './classifier.js';

const USAGE = `usage: visionq-classify [options] <model.onnx> <image…>

Classifies images with an ONNX model and the metadata file beside it (<model>.json), and prints the top-k
labels of each. Exit status: 0 if every image was classified, 1 if some could not be, 2 if the model could not
be loaded or the arguments are wrong.

options:
  --top-k <n>        labels to print per image (default: the metadata's topK)
  --lang <tag>       print display names in this language (default: en)
  --metadata <path>  metadata file (default: the model path with .json)
  --json             one JSON object per image, one per line
  -h, --help         this text`;

export interface CliIo {
  out: (line: string) => void;
  err: (line: string) => void;
}

const percent = (confidence: number) => `${(confidence * 100).toFixed(1)}%`;

function describe(entry: ScoredLabel, lang: string): string {
  const display = entry.names?.[lang] ?? entry.names?.en;
  return `${entry.label}${display ? ` (${display})` : ''} ${percent(entry.confidence)}`;
}

function print(file: string, result: Classification, json: boolean, lang: string, io: CliIo): void {
  if (json) {
    io.out(
      JSON.stringify(
        result.ok
          ? { file, ok: true, prediction: result.prediction }
          : { file, ok: false, error: { code: result.error.code, message: result.error.message } },
      ),
    );
  } else if (result.ok) {
    // The best label is top_k[0]: it heads the image's line, the runners-up follow it.
    io.out(`${file}: ${describe(result.prediction, lang)}`);
    for (const entry of result.prediction.top_k.slice(1)) io.out(`  ${describe(entry, lang)}`);
  } else {
    io.out(`${file}: error ${result.error.code}: ${result.error.message}`);
  }
}

/** The whole CLI, minus the process: returns the exit status. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        'top-k': { type: 'string' },
        lang: { type: 'string', default: 'en' },
        metadata: { type: 'string' },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    io.err(`${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    io.out(USAGE);
    return 0;
  }
  const [modelPath, ...files] = positionals;
  if (!modelPath || files.length === 0) {
    io.err(USAGE);
    return 2;
  }
  const topK = values['top-k'] === undefined ? undefined : Number(values['top-k']);
  if (topK !== undefined && !(Number.isInteger(topK) && topK > 0)) {
    io.err(`--top-k must be a positive integer, got ${values['top-k']}\n\n${USAGE}`);
    return 2;
  }
  let classifier;
  try {
    classifier = await createOnnxClassifier({
      modelPath,
      ...(values.metadata ? { metadataPath: values.metadata } : {}),
      ...(topK === undefined ? {} : { topK }),
    });
  } catch (error) {
    io.err(`cannot load ${modelPath}: ${(error as Error).message}`);
    return 2;
  }
  let failures = 0;
  try {
    // Files that cannot be read are reported like images that cannot be decoded; the rest go in one batch.
    const read = await Promise.all(files.map((file) => readFile(file).catch((error: Error) => error)));
    const readable = read.filter((bytes) => !(bytes instanceof Error)) as Uint8Array[];
    const results = await classifier.classify(readable);
    let next = 0;
    files.forEach((file, i) => {
      const bytes = read[i];
      if (bytes instanceof Error) {
        failures++;
        const message = `cannot read the file (${(bytes as NodeJS.ErrnoException).code ?? bytes.message})`;
        if (values.json) io.out(JSON.stringify({ file, ok: false, error: { code: 'unreadable', message } }));
        else io.out(`${file}: error unreadable: ${message}`);
        return;
      }
      const result = results[next++] as Classification;
      if (!result.ok) failures++;
      print(file, result, values.json, values.lang, io);
    });
  } catch (error) {
    io.err(`inference failed: ${(error as Error).message}`);
    return 2;
  } finally {
    await classifier.close();
  }
  return failures > 0 ? 1 : 0;
}
