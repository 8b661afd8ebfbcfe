import { InvalidImageError, UnavailableError } from '../errors.js';
import type { Classification, Classifier, ClassifyOptions, ModelInfo } from '../ports.js';
import { checkMinConfidence, recognize } from '../recognition.js';
import type { ScoredLabel } from '../schemas.js';

export interface FakeClassifierOptions {
  /** Labels, and the floor and none label `recognized` follows (default: three signs, no floor). */
  model?: ModelInfo;
  topK?: number;
  /** Milliseconds each `classify` call takes, to stand in for inference time. */
  delayMs?: number;
  /** What `slots` reports. Default 1. */
  slots?: number;
}

const DEFAULT_MODEL: ModelInfo = {
  name: 'fake',
  version: '1',
  labels: [
    { id: 'stop', names: { en: 'Stop', es: 'Alto' } },
    { id: 'yield', names: { en: 'Yield', es: 'Ceda el paso' } },
    { id: 'speed_limit_50', names: { en: 'Speed limit 50', es: 'Límite de velocidad 50' } },
  ],
};

/** Magic bytes of the formats the service accepts; anything else is "undecodable" to the fake. */
const MAGIC: readonly number[][] = [
  [0xff, 0xd8, 0xff],
  [0x89, 0x50, 0x4e, 0x47],
  [0x52, 0x49, 0x46, 0x46],
  [0x47, 0x49, 0x46],
  [0x49, 0x49, 0x2a, 0x00],
  [0x4d, 0x4d, 0x00, 0x2a],
  [0x00, 0x00, 0x00],
];

/**
 * A deterministic `Classifier` with no model: the same bytes always get the same prediction, derived from a
 * hash of the bytes. Bytes that do not start like an image fail with `InvalidImageError`. Recognition follows
 * the model's `minConfidence` and `noneLabel`, as a real classifier's does.
 */
export class FakeClassifier implements Classifier {
  readonly model: ModelInfo;
  readonly slots: number;
  readonly #topK: number;
  readonly #delayMs: number;
  #closed = false;

  constructor(options: FakeClassifierOptions = {}) {
    this.model = options.model ?? DEFAULT_MODEL;
    this.#topK = Math.min(options.topK ?? 3, this.model.labels.length);
    this.#delayMs = options.delayMs ?? 0;
    this.slots = options.slots ?? 1;
    if (!Number.isInteger(this.slots) || this.slots < 1)
      throw new RangeError('slots must be a positive integer');
  }

  async classify(images: readonly Uint8Array[], options: ClassifyOptions = {}): Promise<Classification[]> {
    if (this.#closed) throw new UnavailableError('classifier is closed');
    const floor = checkMinConfidence(options.minConfidence ?? this.model.minConfidence ?? 0);
    if (this.#delayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.#delayMs));
    return images.map((image) => this.#classifyOne(image, floor));
  }

  async close(): Promise<void> {
    this.#closed = true;
  }

  #classifyOne(image: Uint8Array, floor: number): Classification {
    const looksLikeImage =
      image.length >= 8 && MAGIC.some((magic) => magic.every((byte, i) => image[i] === byte));
    if (!looksLikeImage) return { ok: false, error: new InvalidImageError('image could not be decoded') };
    let hash = 2166136261;
    for (const byte of image) hash = Math.imul(hash ^ byte, 16777619) >>> 0;
    const raw = this.model.labels.map((_, i) => ((hash >>> (i % 24)) % 97) + 1);
    const total = raw.reduce((sum, value) => sum + value, 0);
    const scored: ScoredLabel[] = this.model.labels
      .map((label, i) => ({ label: label.id, confidence: (raw[i] as number) / total, names: label.names }))
      .sort((a, b) => b.confidence - a.confidence)
      .slice(0, this.#topK)
      .map(({ names, ...rest }) => (names ? { ...rest, names } : rest));
    return { ok: true, prediction: recognize({ top_k: scored }, this.model, floor) };
  }
}
