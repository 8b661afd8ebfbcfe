"""Generates the training and held-out sets once, in parallel, deterministically, and caches them on disk.

Image i of a split is always class i % len(CLASSES), drawn from its own chunk seed, so the same arguments give
the same bytes whatever the number of worker processes.
"""

import os
import random
import time
from multiprocessing import Pool

import numpy as np

from scenes import SETTINGS, scene
from signs import HELDOUT_FONTS, IDS, TRAIN_FONTS

CHUNK = 250
# Bump when the generator changes, so a stale cache is never reused.
GENERATOR_VERSION = 3

# `version` bumps one split's cache alone when only its fonts or seed change.
SPLITS = {
    "train": {"seed": 1, "fonts": TRAIN_FONTS, "settings": SETTINGS["train"], "version": 1},
    "heldout": {"seed": 1_000_003, "fonts": HELDOUT_FONTS, "settings": SETTINGS["heldout"], "version": 2},
}


def _chunk(args):
    split, start, count, size = args
    cfg = SPLITS[split]
    rng = random.Random(cfg["seed"] * 7919 + start)
    images = np.empty((count, size, size, 3), np.uint8)
    labels = np.empty(count, np.int64)
    for j in range(count):
        label = (start + j) % len(IDS)
        images[j] = scene(IDS[label], rng, cfg["fonts"], cfg["settings"], size)
        labels[j] = label
    return images, labels


def load(split, n, size, cache_dir, workers):
    path = os.path.join(cache_dir, f"{split}-v{GENERATOR_VERSION}.{SPLITS[split]['version']}-{n}-{size}.npz")
    if os.path.exists(path):
        data = np.load(path)
        return data["images"], data["labels"]
    os.makedirs(cache_dir, exist_ok=True)
    t0 = time.time()
    jobs = [(split, s, min(CHUNK, n - s), size) for s in range(0, n, CHUNK)]
    with Pool(workers) as pool:
        parts = pool.map(_chunk, jobs, chunksize=1)
    images = np.concatenate([p[0] for p in parts])
    labels = np.concatenate([p[1] for p in parts])
    print(f"generated {split}: {n} images in {time.time() - t0:.0f}s", flush=True)
    np.savez(path, images=images, labels=labels)
    return images, labels
