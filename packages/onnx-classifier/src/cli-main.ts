import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { checkMinConfidence, type Classification, type Prediction, type ScoredLabel } from '@visionq/core';
import { createOnnxClassifier } from './classifier.js';

const USAGE = `usage: visionq-classify [options] <model.onnx> <image…>

Classifies images with an ONNX model and the metadata file beside it (<model>.json), and prints the top-k
labels of each. An image whose best guess is under the confidence floor, or is the model's none label, is
printed as not recognised, with the best guess beside it. Exit status: 0 if every image was classified (whether
or not anything was recognised), 1 if some could not be, 2 if the model could not be loaded or the arguments
are wrong.

options:
  --top-k <n>        labels to print per image (default: the metadata's topK)
  --min-confidence <0..1>
                     the confidence floor (default: the metadata's minConfidence, else 0)
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

/**
 * `stop (Stop) 97.3%`; not recognised: `no_sign (No sign recognised) 96.0%` when the none label is the best
 * guess, `no_sign (No sign recognised) — best guess: stop (Stop) 31.0%` under the floor, and without a none
 * label `not recognised — best guess: stop (Stop) 31.0%`.
 */
function answer(prediction: Prediction, noneId: string | undefined, lang: string): string {
  const best = prediction.top_k[0] as ScoredLabel;
  if (prediction.recognized || best.label === noneId) return describe(prediction, lang);
  if (prediction.label !== noneId) return `not recognised — best guess: ${describe(best, lang)}`;
  const display = prediction.names?.[lang] ?? prediction.names?.en;
  return `${prediction.label}${display ? ` (${display})` : ''} — best guess: ${describe(best, lang)}`;
}

function print(
  file: string,
  result: Classification,
  options: { json: boolean; lang: string; noneId: string | undefined },
  io: CliIo,
): void {
  const { json, lang, noneId } = options;
  if (json) {
    io.out(
      JSON.stringify(
        result.ok
          ? { file, ok: true, prediction: result.prediction }
          : { file, ok: false, error: { code: result.error.code, message: result.error.message } },
      ),
    );
  } else if (result.ok) {
    io.out(`${file}: ${answer(result.prediction, noneId, lang)}`);
    for (const entry of result.prediction.top_k) io.out(`  ${describe(entry, lang)}`);
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
        'min-confidence': { type: 'string' },
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
  let minConfidence: number | undefined;
  try {
    const floor = values['min-confidence'];
    minConfidence =
      floor === undefined ? undefined : checkMinConfidence(floor.trim() === '' ? NaN : Number(floor));
  } catch (error) {
    io.err(`${(error as Error).message.replace('min_confidence', '--min-confidence')}\n\n${USAGE}`);
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
    const results = await classifier.classify(readable, minConfidence === undefined ? {} : { minConfidence });
    const noneId = classifier.model.noneLabel?.id;
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
      print(file, result, { json: values.json, lang: values.lang, noneId }, io);
    });
  } catch (error) {
    io.err(`inference failed: ${(error as Error).message}`);
    return 2;
  } finally {
    await classifier.close();
  }
  return failures > 0 ? 1 : 0;
}
