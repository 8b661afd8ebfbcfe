"""Photo-like scenes with one traffic sign in them.

The model sees the whole uploaded photo stretched to its input size, never a crop, so every sample is a scene:
a cluttered background, a sign on a pole anywhere from a fifth of the frame's short side to nearly all of it,
seen at an angle, then everything a phone camera and an upload do to a picture (light, blur, noise, JPEG). The
scene is drawn at a photo-like aspect ratio and then resized to the model's square input exactly as the
preprocessing does ("fill"), so signs appear squashed the way they will at inference.
"""

import io
import math

import numpy as np
from PIL import Image, ImageDraw, ImageEnhance, ImageFilter

from signs import draw_sign, font

ASPECTS = [(4, 3), (3, 4), (16, 9), (9, 16), (1, 1), (3, 2), (2, 3)]
RESAMPLE = [Image.BILINEAR, Image.BICUBIC, Image.LANCZOS, Image.BOX]

# What differs between the training and held-out sets besides the seed: the held-out scenes are drawn at other
# sizes (mostly larger, so downscaling rather than drawing sets the detail), compressed harder, and lettered in
# unseen fonts. Training canvases span both sides of the 160-pixel input: small signs drawn crudely and enlarged,
# and drawn finely and shrunk, as photographs of every resolution give.
SETTINGS = {
    "train": {"short_side": (128, 256), "jpeg": (25, 95), "size": (0.15, 0.9)},
    "heldout": {"short_side": (180, 280), "jpeg": (15, 90), "size": (0.15, 0.9)},
}


def rand_color(rng, sat=None):
    """Any colour, from grey to saturated; sometimes deliberately red or blue to look like sign paint."""
    kind = rng.random()
    if kind < 0.15:
        return (rng.randint(150, 230), rng.randint(0, 60), rng.randint(0, 60))
    if kind < 0.25:
        return (rng.randint(0, 50), rng.randint(40, 110), rng.randint(120, 220))
    base = rng.randint(20, 235)
    spread = rng.randint(0, 110) if sat is None else sat
    return tuple(max(0, min(255, base + rng.randint(-spread, spread))) for _ in range(3))


def background(w, h, rng, fonts):
    """Sky, ground, buildings, trees, wires, shop lettering: clutter with colours and edges like a street."""
    style = rng.random()
    if style < 0.45:
        sky, ground = rand_color(rng, 60), rand_color(rng, 60)
        horizon = int(h * rng.uniform(0.3, 0.75))
        arr = np.empty((h, w, 3), np.float32)
        t = np.linspace(0, 1, h)[:, None]
        arr[:horizon] = (np.array(sky) * (1 - 0.3 * t[:horizon]))[:, None, :] + np.zeros((1, w, 1))
        arr[horizon:] = np.array(ground)[None, None, :]
        img = Image.fromarray(arr.clip(0, 255).astype(np.uint8))
    elif style < 0.75:
        # Smooth random blobs: low-resolution noise upsampled, like foliage or an out-of-focus street.
        gen = np.random.default_rng(rng.getrandbits(32))
        small = gen.integers(0, 256, (rng.randint(2, 8), rng.randint(2, 8), 3)).astype(np.float32)
        grey = small.mean(axis=2, keepdims=True)
        small = grey + (small - grey) * rng.uniform(0.2, 0.9)
        img = Image.fromarray(small.clip(0, 255).astype(np.uint8)).resize((w, h), Image.BICUBIC)
    else:
        img = Image.new("RGB", (w, h), rand_color(rng))
    d = ImageDraw.Draw(img)
    for _ in range(rng.randint(3, 22)):
        kind = rng.random()
        col = rand_color(rng)
        x, y = rng.uniform(-0.2, 1.1) * w, rng.uniform(-0.2, 1.1) * h
        if kind < 0.3:
            bw, bh = rng.uniform(0.1, 0.5) * w, rng.uniform(0.1, 0.8) * h
            d.rectangle([x, y, x + bw, y + bh], fill=col)
            if rng.random() < 0.5:
                win = rand_color(rng, 30)
                step = max(4, int(bw / rng.randint(2, 6)))
                for wx in range(int(x) + 2, int(x + bw) - 3, step):
                    for wy in range(int(y) + 2, int(y + bh) - 3, step):
                        d.rectangle([wx, wy, wx + step * 0.5, wy + step * 0.6], fill=win)
        elif kind < 0.5:
            r = rng.uniform(0.03, 0.25) * min(w, h)
            d.ellipse([x - r, y - r * rng.uniform(0.6, 1.4), x + r, y + r], fill=col)
        elif kind < 0.7:
            d.line([(x, y), (rng.uniform(0, w), rng.uniform(0, h))], fill=col, width=rng.randint(1, 6))
        elif kind < 0.85:
            pts = [(x + rng.uniform(-0.2, 0.2) * w, y + rng.uniform(-0.2, 0.2) * h) for _ in range(rng.randint(3, 6))]
            d.polygon(pts, fill=col)
        else:
            word = "".join(rng.choice("ABCDEFGHJKLMNPRSTUVWXYZ0123456789 ") for _ in range(rng.randint(2, 8)))
            d.text((x, y), word, font=font(rng.choice(fonts), max(6, int(rng.uniform(0.04, 0.15) * h))), fill=col)
    return img


def perspective_coeffs(src, dst):
    """Coefficients for PIL's PERSPECTIVE transform mapping output points `dst` back to input points `src`."""
    a = []
    for (x, y), (u, v) in zip(dst, src):
        a.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        a.append([0, 0, 0, x, y, 1, -v * x, -v * y])
    b = np.array(src, dtype=np.float64).reshape(8)
    return np.linalg.solve(np.array(a, dtype=np.float64), b).tolist()


def warp_sign(sign, rng):
    """Rotates the sign and views it from an angle: one side nearer (larger) than the other."""
    s = sign.width
    yaw = rng.uniform(-0.45, 0.45) if rng.random() < 0.7 else 0.0
    pitch = rng.uniform(-0.2, 0.2)
    roll = math.radians(rng.gauss(0, 6))
    corners = [(-1, -1), (1, -1), (1, 1), (-1, 1)]
    dst = []
    for cx, cy in corners:
        x, y = cx * math.cos(yaw), cy * math.cos(pitch)
        depth = 1 + 0.25 * (cx * math.sin(yaw) + cy * math.sin(pitch))
        x, y = x / depth, y / depth
        x, y = x * math.cos(roll) - y * math.sin(roll), x * math.sin(roll) + y * math.cos(roll)
        dst.append((x, y))
    xs, ys = [p[0] for p in dst], [p[1] for p in dst]
    scale = (s - 1) / max(max(xs) - min(xs), max(ys) - min(ys))
    dst = [((x - min(xs)) * scale, (y - min(ys)) * scale) for x, y in dst]
    out_w = int(math.ceil(max(p[0] for p in dst))) + 1
    out_h = int(math.ceil(max(p[1] for p in dst))) + 1
    src = [(0, 0), (s, 0), (s, s), (0, s)]
    return sign.transform((out_w, out_h), Image.PERSPECTIVE, perspective_coeffs(src, dst), Image.BICUBIC)


def occlude(img, box, rng):
    """Covers part of the sign with a branch, leaves, another pole or a sticker."""
    x0, y0, x1, y1 = box
    w, h = x1 - x0, y1 - y0
    d = ImageDraw.Draw(img)
    kind = rng.random()
    col = rand_color(rng) if rng.random() < 0.5 else (rng.randint(20, 90), rng.randint(60, 140), rng.randint(10, 60))
    if kind < 0.4:
        # Leaves growing in from one side.
        side = rng.choice([0, 1])
        cx = x0 + (w * rng.uniform(-0.1, 0.15) if side == 0 else w * rng.uniform(0.85, 1.1))
        for _ in range(rng.randint(3, 8)):
            r = w * rng.uniform(0.06, 0.14)
            px, py = cx + rng.gauss(0, w * 0.08), y0 + rng.uniform(0, h)
            d.ellipse([px - r, py - r, px + r, py + r], fill=jitter_col(col, rng))
    elif kind < 0.7:
        d.line(
            [(x0 - w * 0.2, y0 + rng.uniform(0, h)), (x1 + w * 0.2, y0 + rng.uniform(0, h))],
            fill=col,
            width=max(1, int(w * rng.uniform(0.03, 0.08))),
        )
    else:
        cx, cy = x0 + rng.uniform(0.0, 1.0) * w, y0 + rng.uniform(0.0, 1.0) * h
        r = w * rng.uniform(0.06, 0.18)
        d.rectangle([cx - r, cy - r * 0.7, cx + r, cy + r * 0.7], fill=col)


def jitter_col(col, rng):
    return tuple(max(0, min(255, c + rng.randint(-25, 25))) for c in col)


def light(img, rng):
    """Exposure, contrast, white balance, and a shadow or glare falling across the frame."""
    img = ImageEnhance.Brightness(img).enhance(rng.uniform(0.45, 1.4))
    img = ImageEnhance.Contrast(img).enhance(rng.uniform(0.55, 1.35))
    img = ImageEnhance.Color(img).enhance(rng.uniform(0.6, 1.3))
    arr = np.asarray(img, dtype=np.float32)
    arr *= np.array([rng.uniform(0.85, 1.15) for _ in range(3)], np.float32)
    if rng.random() < 0.4:
        h, w = arr.shape[:2]
        ang = rng.uniform(0, 2 * math.pi)
        yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
        ramp = (xx / w - 0.5) * math.cos(ang) + (yy / h - 0.5) * math.sin(ang)
        arr *= (1 + rng.uniform(0.3, 0.8) * ramp)[..., None]
    if rng.random() < 0.5:
        arr = 255 * (arr.clip(0, 255) / 255) ** rng.uniform(0.7, 1.4)
    return arr


def cast_shadow(arr, rng):
    """The soft shadow of something out of frame (a tree, a building, a pole) falling across part of the scene."""
    h, w = arr.shape[:2]
    mask = Image.new("L", (w, h), 0)
    d = ImageDraw.Draw(mask)
    if rng.random() < 0.5:
        # A band, like the shadow of a pole or an edge of a building.
        x0, x1 = rng.uniform(-0.2, 1.0) * w, rng.uniform(-0.2, 1.0) * w
        bw = rng.uniform(0.05, 0.4) * w
        d.polygon([(x0, 0), (x0 + bw, 0), (x1 + bw, h), (x1, h)], fill=255)
    else:
        for _ in range(rng.randint(3, 9)):
            r = rng.uniform(0.05, 0.25) * min(w, h)
            cx, cy = rng.uniform(0, w), rng.uniform(0, h)
            d.ellipse([cx - r, cy - r, cx + r, cy + r], fill=255)
    mask = mask.filter(ImageFilter.GaussianBlur(rng.uniform(1, 0.03 * min(w, h) + 1)))
    depth = rng.uniform(0.3, 0.65)
    return arr * (1 - depth * np.asarray(mask, np.float32)[..., None] / 255)


def motion_kernel(rng):
    """A straight smear of 3 or 5 px in any of four directions: a hand-held phone moving during the exposure.

    Pillow's kernels stop at 5x5; applying one twice gives the longer smears."""
    k = rng.choice([3, 5])
    kernel = [0.0] * (k * k)
    direction = rng.randrange(4)
    for i in range(k):
        r, c = [(k // 2, i), (i, k // 2), (i, i), (i, k - 1 - i)][direction]
        kernel[r * k + c] = 1.0
    return ImageFilter.Kernel((k, k), kernel, scale=k)


def degrade(arr, rng, settings):
    """Camera noise, focus or motion blur, and the JPEG compression of an upload."""
    if rng.random() < 0.6:
        gen = np.random.default_rng(rng.getrandbits(32))
        arr = arr + gen.standard_normal(arr.shape, dtype=np.float32) * rng.uniform(1, 12)
    img = Image.fromarray(arr.clip(0, 255).astype(np.uint8))
    blur = rng.random()
    if blur < 0.3:
        img = img.filter(ImageFilter.GaussianBlur(rng.uniform(0.3, 1.6)))
    elif blur < 0.5:
        kernel = motion_kernel(rng)
        for _ in range(rng.choice([1, 1, 2])):
            img = img.filter(kernel)
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=rng.randint(*settings["jpeg"]))
    buf.seek(0)
    return Image.open(buf).convert("RGB")


def canvas_size(rng, settings, aspects=ASPECTS):
    aw, ah = rng.choice(aspects)
    short = rng.randint(*settings["short_side"])
    return (short * aw // ah, short) if aw >= ah else (short, short * ah // aw)


def photo_background(photo, w, h, rng, whole=False):
    """A `w`x`h` view of a photograph: the whole frame squeezed to that shape, or a crop of 25–100 % of it."""
    ph, pw = photo.shape[:2]
    if whole:
        box = (0, 0, pw, ph)
    else:
        # The largest crop of the target's aspect ratio that fits, scaled down, anywhere in the photo.
        fit = min(pw / w, ph / h)
        k = fit * math.sqrt(rng.uniform(0.25, 1.0))
        cw, ch = w * k, h * k
        x0, y0 = rng.uniform(0, pw - cw), rng.uniform(0, ph - ch)
        box = (x0, y0, x0 + cw, y0 + ch)
    img = Image.fromarray(photo).resize((w, h), Image.BILINEAR, box=box)
    if rng.random() < 0.5:
        img = img.transpose(Image.FLIP_LEFT_RIGHT)
    return img


def finish(img, rng, settings, out_size):
    """Light, shadow, camera and upload, then the preprocessing's stretch to the model's square input."""
    arr = light(img, rng)
    if rng.random() < 0.35:
        arr = cast_shadow(arr, rng)
    img = degrade(arr, rng, settings)
    img = img.resize((out_size, out_size), rng.choice(RESAMPLE))
    return np.asarray(img, dtype=np.uint8)


def add_pole(d, x, y, sw, sh, h, rng):
    pole_w = max(2, int(sw * rng.uniform(0.05, 0.09)))
    grey = rng.randint(70, 190)
    d.rectangle([x + sw / 2 - pole_w / 2, y + sh / 2, x + sw / 2 + pole_w / 2, h], fill=(grey, grey, grey + 5))


def scene(class_id, rng, fonts, settings, out_size, photos=None):
    """One photo-like scene with the sign, as an `out_size` square uint8 RGB array.

    With `photos`, the background is a real photograph (a crop of one, or the whole frame) with probability
    settings["photo"]; otherwise it is drawn clutter.
    """
    w, h = canvas_size(rng, settings)
    if photos and rng.random() < settings.get("photo", 0):
        img = photo_background(rng.choice(photos), w, h, rng, whole=rng.random() < 0.2)
    else:
        img = background(w, h, rng, fonts)
    lo, hi = settings["size"]
    size = max(12, int(min(w, h) * math.exp(rng.uniform(math.log(lo), math.log(hi)))))
    sign = warp_sign(draw_sign(class_id, size, rng, fonts), rng)
    sw, sh = sign.size
    # Mostly whole, occasionally cut by the frame edge by up to a tenth.
    x = int(rng.uniform(-0.1 * sw, w - 0.9 * sw)) if w > sw else (w - sw) // 2
    y = int(rng.uniform(-0.1 * sh, h - 0.9 * sh)) if h > sh else (h - sh) // 2
    d = ImageDraw.Draw(img)
    if rng.random() < 0.7:
        add_pole(d, x, y, sw, sh, h, rng)
    if rng.random() < 0.3:
        # A plain plate behind the sign (back of another sign, a board): a frame edge around it.
        m = int(sw * rng.uniform(0.02, 0.08))
        d.rectangle([x - m, y - m, x + sw + m, y + sh + m], fill=rand_color(rng, 20))
    # Shade the sign itself independently of the scene: a sign in the shade of a sunny street, or lit.
    shade = rng.uniform(0.55, 1.15)
    if abs(shade - 1) > 0.05:
        rgb = ImageEnhance.Brightness(sign.convert("RGB")).enhance(shade)
        rgb.putalpha(sign.getchannel("A"))
        sign = rgb
    img.paste(sign, (x, y), sign)
    if rng.random() < 0.3:
        occlude(img, (x, y, x + sw, y + sh), rng)
    return finish(img, rng, settings, out_size)


def empty_scene(rng, fonts, settings, out_size, photos):
    """A scene with no sign: mostly a real photograph (crop or whole frame), sometimes drawn clutter.

    Now and then a bare pole or a blank plate is added, so that the model learns the sign, not the pole.
    """
    if photos and rng.random() < settings.get("photo_empty", 0.8):
        photo = rng.choice(photos)
        if rng.random() < 0.35:
            # The whole picture at its own aspect ratio, as a user would upload it.
            ph, pw = photo.shape[:2]
            short = rng.randint(*settings["short_side"])
            w, h = (round(short * pw / ph), short) if pw >= ph else (short, round(short * ph / pw))
            img = photo_background(photo, w, h, rng, whole=True)
        else:
            w, h = canvas_size(rng, settings)
            img = photo_background(photo, w, h, rng)
    else:
        w, h = canvas_size(rng, settings)
        img = background(w, h, rng, fonts)
    if rng.random() < 0.2:
        d = ImageDraw.Draw(img)
        sw = int(min(w, h) * rng.uniform(0.15, 0.6))
        x, y = rng.uniform(0, w - sw), rng.uniform(0, h - sw)
        add_pole(d, x, y, sw, sw, h, rng)
        if rng.random() < 0.5:
            d.rectangle([x, y, x + sw, y + sw * rng.uniform(0.5, 1)], fill=rand_color(rng, 20))
    return finish(img, rng, settings, out_size)
