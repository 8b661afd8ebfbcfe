"""Real photographs from Debian's wallpaper packages: backgrounds for the signs and the whole of `no_sign`.

Nothing is downloaded or committed: the packages are installed with apt (`ensure_installed`), and each distinct
picture is decoded once, scaled down and cached in .cache/. Whole packages are split between training and
held-out, so the held-out photographs come from photographers (and artists) the model never saw.
"""

import os
import re
import subprocess
import sys
import time

import numpy as np
from PIL import Image

# Licences: /usr/share/doc/<package>/copyright (GPL-2+, CC-BY-SA-3.0/4.0, CC-BY-4.0, CC0; see the model card).
PACKAGES = {
    "train": ["plasma-workspace-wallpapers", "mate-backgrounds", "ukui-wallpapers", "gnome-backgrounds"],
    "heldout": ["lomiri-wallpapers-16.04", "lomiri-wallpapers-20.04"],
}
EXTENSIONS = (".jpg", ".jpeg", ".png", ".webp")
# Short side the cached photos are scaled to: enough for a 30 % crop at the largest canvas (240 px) to stay sharp.
CACHE_SHORT_SIDE = 640
CACHE_VERSION = 1


def ensure_installed(packages):
    """Installs the packages that are missing (Debian's apt; needs root), or exits saying what to run."""
    missing = [p for p in packages if subprocess.run(["dpkg", "-s", p], capture_output=True).returncode != 0]
    if not missing:
        return
    cmd = ["apt-get", "install", "-y", "--no-install-recommends", *missing]
    print("installing " + " ".join(missing), flush=True)
    if subprocess.run(cmd).returncode != 0:
        sys.exit(f"could not install the wallpaper packages; run: {' '.join(cmd)}")


def package_files(package):
    out = subprocess.run(["dpkg", "-L", package], capture_output=True, text=True, check=True).stdout
    return sorted(f for f in out.splitlines() if f.lower().endswith(EXTENSIONS) and os.path.isfile(f))


def _group_key(path):
    """Same picture at several resolutions → one key: KDE's `<Name>/contents/images*/WxH.png` and `name_WxH.jpg`."""
    m = re.match(r"(.*/wallpapers/[^/]+/contents/images[^/]*)/\d+x\d+\.\w+$", path)
    if m:
        return m.group(1)
    stem = os.path.splitext(path)[0]
    return re.sub(r"[_-]\d{3,5}x\d{3,5}$", "", stem)


def distinct_pictures(package):
    """One file per distinct picture: the smallest resolution that is still at least 1280 px wide."""
    groups = {}
    for f in package_files(package):
        if os.path.basename(f).startswith("screenshot"):
            continue
        groups.setdefault(_group_key(f), []).append(f)
    chosen = []
    for key in sorted(groups):
        sized = []
        for f in groups[key]:
            with Image.open(f) as im:
                sized.append((im.width, f))
        big = sorted(s for s in sized if s[0] >= 1280)
        chosen.append(big[0][1] if big else max(sized)[1])
    return chosen


def _load(path):
    with Image.open(path) as im:
        im.draft("RGB", (CACHE_SHORT_SIDE * 2, CACHE_SHORT_SIDE * 2))
        img = im.convert("RGB")
    k = CACHE_SHORT_SIDE / min(img.size)
    if k < 1:
        img = img.resize((round(img.width * k), round(img.height * k)), Image.LANCZOS)
    return np.asarray(img, dtype=np.uint8)


def load_photos(split, cache_dir):
    """The split's photographs as a list of uint8 HxWx3 arrays (short side CACHE_SHORT_SIDE) and their paths."""
    packages = PACKAGES[split]
    ensure_installed(packages)
    path = os.path.join(cache_dir, f"photos-{split}-v{CACHE_VERSION}.npz")
    if os.path.exists(path):
        data = np.load(path, allow_pickle=False)
        names = [str(n) for n in data["names"]]
        return [data[f"p{i}"] for i in range(len(names))], names
    t0 = time.time()
    names = [f for p in packages for f in distinct_pictures(p)]
    photos = [_load(f) for f in names]
    os.makedirs(cache_dir, exist_ok=True)
    np.savez(path, names=np.array(names), **{f"p{i}": a for i, a in enumerate(photos)})
    print(f"photos {split}: {len(photos)} pictures from {', '.join(packages)} in {time.time() - t0:.0f}s", flush=True)
    return photos, names


if __name__ == "__main__":
    for s in PACKAGES:
        for p in PACKAGES[s]:
            ensure_installed([p])
            print(s, p, len(distinct_pictures(p)))
