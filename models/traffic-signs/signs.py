"""The classes of the traffic-sign model and how to draw each one.

Signs follow the Vienna Convention designs used across Europe and much of Latin America. Each drawing function
paints onto a square RGBA canvas with a transparent background; `draw_sign` adds the design variations real
signs show (shade of the paint, border width, font of the lettering) so the model does not learn one exact
template.
"""

import math
import random

from PIL import Image, ImageDraw, ImageFont

# Index in this list = output index of the model. Never reorder: ids are part of the public contract.
CLASSES = [
    ("stop", "Stop", "Pare"),
    ("yield", "Yield", "Ceda el paso"),
    ("no_entry", "No entry", "Entrada prohibida"),
    ("speed_limit_20", "Speed limit 20", "Límite de velocidad 20"),
    ("speed_limit_30", "Speed limit 30", "Límite de velocidad 30"),
    ("speed_limit_50", "Speed limit 50", "Límite de velocidad 50"),
    ("speed_limit_60", "Speed limit 60", "Límite de velocidad 60"),
    ("speed_limit_70", "Speed limit 70", "Límite de velocidad 70"),
    ("speed_limit_80", "Speed limit 80", "Límite de velocidad 80"),
    ("speed_limit_100", "Speed limit 100", "Límite de velocidad 100"),
    ("speed_limit_120", "Speed limit 120", "Límite de velocidad 120"),
    ("pedestrian_crossing", "Pedestrian crossing", "Paso de peatones"),
    ("no_overtaking", "No overtaking", "Prohibido adelantar"),
    ("roundabout", "Roundabout", "Rotonda"),
    ("no_parking", "No parking", "Prohibido estacionar"),
    ("no_stopping", "No stopping", "Prohibido parar y estacionar"),
    ("priority_road", "Priority road", "Calzada con prioridad"),
    ("ahead_only", "Ahead only", "Sentido obligatorio de frente"),
    ("keep_right", "Keep right", "Paso obligatorio por la derecha"),
    ("traffic_signals", "Traffic signals ahead", "Semáforo"),
]
IDS = [c[0] for c in CLASSES]

FONT_DIR = "/usr/share/fonts/truetype"
# Train and held-out sets letter signs with different typefaces, so the held-out accuracy also measures how
# well the model reads a font it never saw.
TRAIN_FONTS = [
    "dejavu/DejaVuSans-Bold.ttf",
    "dejavu/DejaVuSansCondensed-Bold.ttf",
    "dejavu/DejaVuSans.ttf",
    "liberation/LiberationSans-Bold.ttf",
    "liberation/LiberationSans-Regular.ttf",
    "liberation/LiberationSansNarrow-Regular.ttf",
    "dejavu/DejaVuSansMono-Bold.ttf",
]
# Sans-serif only: road signs are never lettered in a serif face.
HELDOUT_FONTS = [
    "liberation/LiberationSansNarrow-Bold.ttf",
    "dejavu/DejaVuSansCondensed.ttf",
]

_font_cache = {}


def font(path, size):
    key = (path, size)
    if key not in _font_cache:
        _font_cache[key] = ImageFont.truetype(f"{FONT_DIR}/{path}", size)
    return _font_cache[key]


def jitter(rgb, rng, amount):
    return tuple(max(0, min(255, int(c + rng.uniform(-amount, amount)))) for c in rgb)


class Palette:
    """Paint colours of one sign; faded or freshly painted, slightly off the nominal shade."""

    def __init__(self, rng):
        fade = rng.uniform(0, 0.35) if rng.random() < 0.3 else 0.0

        def paint(rgb, amount=18):
            c = jitter(rgb, rng, amount)
            return tuple(int(v + (235 - v) * fade) for v in c)

        self.red = paint((200, 20, 30))
        self.blue = paint((10, 70, 170))
        self.white = paint((245, 245, 240), 10)
        self.black = paint((20, 20, 20), 15)
        self.yellow = paint((250, 200, 0))
        self.green = paint((20, 160, 60))
        self.amber = paint((250, 160, 0))


def regular_polygon(cx, cy, r, n, rotation):
    return [
        (cx + r * math.cos(rotation + 2 * math.pi * i / n), cy + r * math.sin(rotation + 2 * math.pi * i / n))
        for i in range(n)
    ]


def disc(d, cx, cy, r, fill):
    d.ellipse([cx - r, cy - r, cx + r, cy + r], fill=fill)


def centered_text(d, cx, cy, text, font_path, max_w, max_h, fill):
    size = int(max_h * 1.4)
    while size > 4:
        f = font(font_path, size)
        left, top, right, bottom = d.textbbox((0, 0), text, font=f)
        if right - left <= max_w and bottom - top <= max_h:
            break
        size = int(size * 0.93)
    d.text((cx - (left + right) / 2, cy - (top + bottom) / 2), text, font=f, fill=fill)


def thick_polyline(d, points, width, fill):
    d.line(points, fill=fill, width=int(width), joint="curve")
    for x, y in (points[0], points[-1]):
        disc(d, x, y, width / 2, fill)


def arrow(d, tail, head, width, head_len, head_w, fill):
    (x0, y0), (x1, y1) = tail, head
    ang = math.atan2(y1 - y0, x1 - x0)
    bx, by = x1 - head_len * math.cos(ang), y1 - head_len * math.sin(ang)
    d.line([(x0, y0), (bx, by)], fill=fill, width=int(width))
    nx, ny = -math.sin(ang), math.cos(ang)
    d.polygon([(x1, y1), (bx + nx * head_w, by + ny * head_w), (bx - nx * head_w, by - ny * head_w)], fill=fill)


# Each painter draws inside a canvas of side `s` and returns nothing. `v` carries the per-sign variations.


def ring_sign(d, s, p, v, inner):
    c = s / 2
    disc(d, c, c, c - 1, p.red)
    disc(d, c, c, c * v["ring"], inner)


def paint_speed(d, s, p, v, number):
    ring_sign(d, s, p, v, p.white)
    c = s / 2
    wide = len(number) == 3
    centered_text(d, c, c, number, v["font"], s * (0.62 if wide else 0.56), s * (0.36 if wide else 0.42), p.black)


def paint_stop(d, s, p, v):
    c = s / 2
    rot = math.pi / 8
    d.polygon(regular_polygon(c, c, c - 1, 8, rot), fill=p.white)
    d.polygon(regular_polygon(c, c, (c - 1) * 0.93, 8, rot), fill=p.red)
    word = v["rng"].choices(["STOP", "ALTO", "PARE"], weights=[0.7, 0.15, 0.15])[0]
    centered_text(d, c, c, word, v["font"], s * 0.74, s * 0.3, p.white)


def paint_yield(d, s, p, v):
    top, bottom = s * 0.07, s * 0.93
    outer = [(1, top), (s - 1, top), (s / 2, bottom)]
    d.polygon(outer, fill=p.red)
    k = v["ring"] * 0.85
    cx, cy = s / 2, (2 * top + bottom) / 3
    d.polygon([(cx + (x - cx) * k, cy + (y - cy) * k) for x, y in outer], fill=p.white)


def paint_no_entry(d, s, p, v):
    c = s / 2
    disc(d, c, c, c - 1, p.red)
    h = s * v["rng"].uniform(0.09, 0.12)
    d.rectangle([s * 0.18, c - h, s * 0.82, c + h], fill=p.white)


def pedestrian(d, cx, cy, h, fill, rng):
    """A walking figure of height h centred on (cx, cy)."""
    w = h * 0.09
    head = (cx + h * 0.05, cy - h * 0.38)
    disc(d, head[0], head[1], h * 0.09, fill)
    hip = (cx, cy + h * 0.08)
    neck = (cx + h * 0.03, cy - h * 0.24)
    thick_polyline(d, [neck, hip], w * 1.3, fill)
    stride = h * rng.uniform(0.16, 0.22)
    thick_polyline(d, [hip, (cx + stride * 0.6, cy + h * 0.28), (cx + stride, cy + h * 0.48)], w, fill)
    thick_polyline(d, [hip, (cx - stride * 0.4, cy + h * 0.28), (cx - stride * 1.1, cy + h * 0.46)], w, fill)
    shoulder = (cx + h * 0.03, cy - h * 0.18)
    thick_polyline(d, [shoulder, (cx + h * 0.17, cy - h * 0.02)], w * 0.9, fill)
    thick_polyline(d, [shoulder, (cx - h * 0.13, cy - h * 0.03)], w * 0.9, fill)


def paint_pedestrian_crossing(d, s, p, v):
    m = s * 0.04
    d.rounded_rectangle([m, m, s - m, s - m], radius=s * 0.08, fill=p.blue)
    d.polygon([(s / 2, s * 0.13), (s * 0.9, s * 0.85), (s * 0.1, s * 0.85)], fill=p.white)
    for i in range(4):
        x = s * (0.27 + i * 0.13)
        d.rectangle([x, s * 0.76, x + s * 0.07, s * 0.81], fill=p.black)
    pedestrian(d, s * 0.5, s * 0.52, s * 0.42, p.black, v["rng"])


def car_rear(d, cx, cy, w, fill):
    """A car seen from behind, the pictogram of the no-overtaking sign."""
    h = w * 1.05
    d.rounded_rectangle([cx - w / 2, cy - h * 0.05, cx + w / 2, cy + h * 0.32], radius=w * 0.1, fill=fill)
    d.polygon(
        [(cx - w * 0.4, cy - h * 0.03), (cx - w * 0.28, cy - h * 0.4), (cx + w * 0.28, cy - h * 0.4),
         (cx + w * 0.4, cy - h * 0.03)],
        fill=fill,
    )
    d.rectangle([cx - w * 0.45, cy + h * 0.3, cx - w * 0.22, cy + h * 0.46], fill=fill)
    d.rectangle([cx + w * 0.22, cy + h * 0.3, cx + w * 0.45, cy + h * 0.46], fill=fill)


def paint_no_overtaking(d, s, p, v):
    ring_sign(d, s, p, v, p.white)
    w = s * 0.25
    car_rear(d, s * 0.35, s * 0.5, w, p.red)
    car_rear(d, s * 0.65, s * 0.5, w, p.black)


def paint_roundabout(d, s, p, v):
    c = s / 2
    disc(d, c, c, c - 1, p.blue)
    r = s * 0.25
    w = s * 0.075
    for k in range(3):
        start = k * 120 + 25
        # Counter-clockwise traffic: each arrow runs along the circle and points anticlockwise.
        d.arc([c - r, c - r, c + r, c + r], start=start, end=start + 75, fill=p.white, width=int(w))
        end = math.radians(start)
        hx, hy = c + r * math.cos(end), c + r * math.sin(end)
        tx, ty = -math.sin(end), math.cos(end)
        tip = (hx - tx * s * 0.1, hy - ty * s * 0.1)
        nx, ny = math.cos(end), math.sin(end)
        hw = s * 0.085
        d.polygon([tip, (hx + nx * hw, hy + ny * hw), (hx - nx * hw, hy - ny * hw)], fill=p.white)


def paint_no_parking(d, s, p, v, cross):
    ring_sign(d, s, p, v, p.blue)
    c = s / 2
    r = c * v["ring"]
    w = s * 0.1
    a = r * math.cos(math.pi / 4)
    d.line([(c - a, c - a), (c + a, c + a)], fill=p.red, width=int(w))
    if cross:
        d.line([(c + a, c - a), (c - a, c + a)], fill=p.red, width=int(w))


def paint_priority_road(d, s, p, v):
    c = s / 2
    d.polygon(regular_polygon(c, c, c - 1, 4, 0), fill=p.white)
    d.polygon(regular_polygon(c, c, (c - 1) * 0.93, 4, 0), fill=p.black)
    d.polygon(regular_polygon(c, c, (c - 1) * 0.86, 4, 0), fill=p.white)
    d.polygon(regular_polygon(c, c, (c - 1) * 0.62, 4, 0), fill=p.yellow)


def paint_ahead_only(d, s, p, v):
    c = s / 2
    disc(d, c, c, c - 1, p.blue)
    arrow(d, (c, s * 0.82), (c, s * 0.16), s * 0.13, s * 0.26, s * 0.2, p.white)


def paint_keep_right(d, s, p, v):
    c = s / 2
    disc(d, c, c, c - 1, p.blue)
    arrow(d, (s * 0.3, s * 0.3), (s * 0.74, s * 0.74), s * 0.13, s * 0.26, s * 0.2, p.white)


def paint_traffic_signals(d, s, p, v):
    top, bottom = s * 0.06, s * 0.94
    outer = [(s / 2, top), (s - 1, bottom), (1, bottom)]
    d.polygon(outer, fill=p.red)
    k = v["ring"] * 0.8
    cx, cy = s / 2, (top + 2 * bottom) / 3
    d.polygon([(cx + (x - cx) * k, cy + (y - cy) * k) for x, y in outer], fill=p.white)
    d.rounded_rectangle([s * 0.42, s * 0.38, s * 0.58, s * 0.84], radius=s * 0.03, fill=p.black)
    for i, col in enumerate((p.red, p.amber, p.green)):
        disc(d, s / 2, s * (0.46 + i * 0.15), s * 0.055, col)


PAINTERS = {
    "stop": paint_stop,
    "yield": paint_yield,
    "no_entry": paint_no_entry,
    "pedestrian_crossing": paint_pedestrian_crossing,
    "no_overtaking": paint_no_overtaking,
    "roundabout": paint_roundabout,
    "no_parking": lambda d, s, p, v: paint_no_parking(d, s, p, v, cross=False),
    "no_stopping": lambda d, s, p, v: paint_no_parking(d, s, p, v, cross=True),
    "priority_road": paint_priority_road,
    "ahead_only": paint_ahead_only,
    "keep_right": paint_keep_right,
    "traffic_signals": paint_traffic_signals,
}
for _id in IDS:
    if _id.startswith("speed_limit_"):
        PAINTERS[_id] = lambda d, s, p, v, n=_id.split("_")[-1]: paint_speed(d, s, p, v, n)
assert set(PAINTERS) == set(IDS)


def draw_sign(class_id, size, rng, fonts):
    """An RGBA image of the sign, `size` pixels square, drawn at 2x and downsampled for smooth edges."""
    s = size * 2
    img = Image.new("RGBA", (s, s), (0, 0, 0, 0))
    d = ImageDraw.Draw(img)
    v = {"rng": rng, "font": rng.choice(fonts), "ring": rng.uniform(0.74, 0.84)}
    PAINTERS[class_id](d, s, Palette(rng), v)
    return img.resize((size, size), Image.LANCZOS)


if __name__ == "__main__":
    # A contact sheet of every class, for eyeballing the drawings.
    r = random.Random(0)
    sheet = Image.new("RGB", (len(IDS) * 100, 100), (128, 128, 128))
    for i, cid in enumerate(IDS):
        sign = draw_sign(cid, 96, r, TRAIN_FONTS)
        sheet.paste(sign, (i * 100 + 2, 2), sign)
    sheet.save("/tmp/signs-sheet.png")
