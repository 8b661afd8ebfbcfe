"""Generates the training and held-out sets once, in parallel, deterministically, and caches them on disk.

Image i of a split has a label fixed by i alone and is drawn from its chunk's own seed, so the same arguments
give the same bytes whatever the number of worker processes. Labels are the sign classes in output order and,
last, `no_sign`.
"""

import os
import random
import time
from multiprocessing import Pool

import numpy as np

from photos import load_photos
from scenes import SETTINGS, empty_scene, scene
from signs import HELDOUT_FONTS, IDS, TRAIN_FONTS

NO_SIGN = "no_sign"
LABELS = [*IDS, NO_SIGN]
CHUNK = 250
# Bump when the generator changes, so a stale cache is never reused.
GENERATOR_VERSION = 5
# In training, 3 of every 23 images have no sign: the photos without one are far more varied than any one sign.
TRAIN_PERIOD = len(IDS) + 3

# `signs`: every image has a sign (class i % 20); `empty`: none has; `mixed`: i % TRAIN_PERIOD >= 20 has none.
# `photo`/`photo_empty`: the share of scenes drawn on a real photograph rather than drawn clutter.
SPLITS = {
    "train": {"seed": 1, "fonts": TRAIN_FONTS, "photos": "train", "kind": "mixed",
              "settings": {**SETTINGS["train"], "photo": 0.7, "photo_empty": 0.8}},
    # Held out: other seeds, fonts, canvas sizes, JPEG and photo packages.
    "heldout": {"seed": 1_000_003, "fonts": HELDOUT_FONTS, "photos": "heldout", "kind": "signs",
                "settings": {**SETTINGS["heldout"], "photo": 0.5}},
    "heldout_photo": {"seed": 2_000_003, "fonts": HELDOUT_FONTS, "photos": "heldout", "kind": "signs",
                      "settings": {**SETTINGS["heldout"], "photo": 1.0}},
    "heldout_empty": {"seed": 3_000_003, "fonts": HELDOUT_FONTS, "photos": "heldout", "kind": "empty",
                      "settings": {**SETTINGS["heldout"], "photo_empty": 1.0}},
}

_photos = {}
_cache_dir = None


def _init(cache_dir):
    global _cache_dir
    _cache_dir = cache_dir


def _photos_for(split):
    name = SPLITS[split]["photos"]
    if name not in _photos:
        _photos[name] = load_photos(name, _cache_dir)[0]
    return _photos[name]


def label_of(split, i):
    kind = SPLITS[split]["kind"]
    if kind == "signs":
        return i % len(IDS)
    if kind == "empty":
        return len(IDS)
    k = i % TRAIN_PERIOD
    return k if k < len(IDS) else len(IDS)


def _chunk(args):
    split, start, count, size = args
    cfg = SPLITS[split]
    photos = _photos_for(split)
    rng = random.Random(cfg["seed"] * 7919 + start)
    images = np.empty((count, size, size, 3), np.uint8)
    labels = np.empty(count, np.int64)
    for j in range(count):
        label = label_of(split, start + j)
        if label == len(IDS):
            images[j] = empty_scene(rng, cfg["fonts"], cfg["settings"], size, photos)
        else:
            images[j] = scene(IDS[label], rng, cfg["fonts"], cfg["settings"], size, photos)
        labels[j] = label
    return images, labels


def load(split, n, size, cache_dir, workers):
    path = os.path.join(cache_dir, f"{split}-v{GENERATOR_VERSION}-{n}-{size}.npy")
    if os.path.exists(path) and os.path.exists(path + ".labels.npy"):
        return np.load(path, mmap_mode="r"), np.load(path + ".labels.npy")
    os.makedirs(cache_dir, exist_ok=True)
    load_photos(SPLITS[split]["photos"], cache_dir)  # decode once, before the workers read the cache
    t0 = time.time()
    jobs = [(split, s, min(CHUNK, n - s), size) for s in range(0, n, CHUNK)]
    images = np.empty((n, size, size, 3), np.uint8)
    labels = np.empty(n, np.int64)
    with Pool(workers, initializer=_init, initargs=(cache_dir,)) as pool:
        for done, ((start, count), (imgs, labs)) in enumerate(
            zip(((j[1], j[2]) for j in jobs), pool.imap(_chunk, jobs, chunksize=1)), 1
        ):
            images[start : start + count] = imgs
            labels[start : start + count] = labs
            if done % 2 == 0 or done == len(jobs):
                print(f"generating {split}: {start + count}/{n} after {time.time() - t0:.0f}s", flush=True)
    np.save(path + ".labels.npy", labels)
    np.save(path, images)
    return images, labels
