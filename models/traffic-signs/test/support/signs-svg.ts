// Traffic signs drawn as SVG, independently of the Python generator that made the training data: other
// geometry, other rasteriser (librsvg through sharp), so a pass means the model learned the signs, not the
// generator's pixels. Every sign is drawn in a 100×100 box.

const RED = '#c8102e';
const BLUE = '#0b4ea2';
const WHITE = '#f7f7f2';
const BLACK = '#1a1a1a';
const FONT = `font-family="DejaVu Sans, Liberation Sans, sans-serif" font-weight="bold"`;

export interface SignOptions {
  /** A font family for lettered signs (speed limits, stop), tried before the default families. */
  font?: string;
}

function text(value: string, size: number, fill: string, options: SignOptions, dy = 0.36): string {
  const family = options.font
    ? `font-family="${options.font}, DejaVu Sans, sans-serif" font-weight="bold"`
    : FONT;
  // librsvg does not honour dominant-baseline everywhere, so centre vertically by hand from the font size.
  return `<text x="50" y="${50 + size * dy}" ${family} font-size="${size}" fill="${fill}" text-anchor="middle">${value}</text>`;
}

function ring(inner: string): string {
  return `<circle cx="50" cy="50" r="49" fill="${RED}"/><circle cx="50" cy="50" r="38" fill="${inner}"/>`;
}

function speed(limit: number) {
  return (options: SignOptions) => {
    const digits = String(limit);
    return ring(WHITE) + text(digits, digits.length === 3 ? 33 : 44, BLACK, options);
  };
}

function octagon(r: number): string {
  const points = Array.from({ length: 8 }, (_, i) => {
    const a = Math.PI / 8 + (i * Math.PI) / 4;
    return `${(50 + r * Math.cos(a)).toFixed(2)},${(50 + r * Math.sin(a)).toFixed(2)}`;
  });
  return points.join(' ');
}

const car = (x: number, fill: string) =>
  `<g transform="translate(${x} 50)" fill="${fill}">` +
  `<path d="M-9 -1 L-6 -11 L6 -11 L9 -1 Z"/><rect x="-11" y="-2" width="22" height="10" rx="2"/>` +
  `<rect x="-11" y="7" width="5" height="4"/><rect x="6" y="7" width="5" height="4"/></g>`;

const arrowUp = `<path d="M50 14 L68 38 L56 38 L56 84 L44 84 L44 38 L32 38 Z" fill="${WHITE}"/>`;

function roundaboutArrows(): string {
  // Three arcs around the centre, each ending in a head that points anticlockwise.
  return [0, 120, 240]
    .map(
      (deg) =>
        `<g transform="rotate(${deg} 50 50)">` +
        `<path d="M74 50 A24 24 0 0 1 44 73" fill="none" stroke="${WHITE}" stroke-width="8"/>` +
        `<path d="M66 42 L82 42 L74 30 Z" fill="${WHITE}"/></g>`,
    )
    .join('');
}

export const SIGNS: Record<string, (options: SignOptions) => string> = {
  stop: (o) =>
    `<polygon points="${octagon(49)}" fill="${WHITE}"/><polygon points="${octagon(45)}" fill="${RED}"/>` +
    text('STOP', 27, WHITE, o),
  yield: () =>
    `<polygon points="2,8 98,8 50,94" fill="${RED}"/><polygon points="19,18 81,18 50,72" fill="${WHITE}"/>`,
  no_entry: () =>
    `<circle cx="50" cy="50" r="49" fill="${RED}"/><rect x="18" y="40" width="64" height="20" fill="${WHITE}"/>`,
  speed_limit_20: speed(20),
  speed_limit_30: speed(30),
  speed_limit_50: speed(50),
  speed_limit_60: speed(60),
  speed_limit_70: speed(70),
  speed_limit_80: speed(80),
  speed_limit_100: speed(100),
  speed_limit_120: speed(120),
  pedestrian_crossing: () =>
    `<rect x="3" y="3" width="94" height="94" rx="8" fill="${BLUE}"/>` +
    `<polygon points="50,12 90,86 10,86" fill="${WHITE}"/>` +
    `<g fill="${BLACK}"><rect x="27" y="76" width="7" height="5"/><rect x="40" y="76" width="7" height="5"/>` +
    `<rect x="53" y="76" width="7" height="5"/><rect x="66" y="76" width="7" height="5"/>` +
    `<circle cx="52" cy="35" r="4.5"/></g>` +
    `<g stroke="${BLACK}" stroke-width="4.5" stroke-linecap="round" fill="none">` +
    `<path d="M51 42 L49 56"/><path d="M49 56 L55 63 L58 72"/><path d="M49 56 L45 64 L40 71"/>` +
    `<path d="M51 44 L58 51"/><path d="M51 44 L43 50"/></g>`,
  no_overtaking: () => ring(WHITE) + car(35, RED) + car(65, BLACK),
  roundabout: () => `<circle cx="50" cy="50" r="49" fill="${BLUE}"/>` + roundaboutArrows(),
  no_parking: () =>
    `<circle cx="50" cy="50" r="49" fill="${RED}"/><circle cx="50" cy="50" r="39" fill="${BLUE}"/>` +
    `<line x1="23" y1="23" x2="77" y2="77" stroke="${RED}" stroke-width="10"/>`,
  no_stopping: () =>
    `<circle cx="50" cy="50" r="49" fill="${RED}"/><circle cx="50" cy="50" r="39" fill="${BLUE}"/>` +
    `<line x1="23" y1="23" x2="77" y2="77" stroke="${RED}" stroke-width="10"/>` +
    `<line x1="77" y1="23" x2="23" y2="77" stroke="${RED}" stroke-width="10"/>`,
  priority_road: () =>
    `<polygon points="50,1 99,50 50,99 1,50" fill="${WHITE}"/>` +
    `<polygon points="50,5 95,50 50,95 5,50" fill="none" stroke="${BLACK}" stroke-width="2"/>` +
    `<polygon points="50,20 80,50 50,80 20,50" fill="#f5c400"/>`,
  ahead_only: () => `<circle cx="50" cy="50" r="49" fill="${BLUE}"/>` + arrowUp,
  keep_right: () =>
    `<circle cx="50" cy="50" r="49" fill="${BLUE}"/><g transform="rotate(135 50 50)">${arrowUp}</g>`,
  traffic_signals: () =>
    `<polygon points="50,4 98,92 2,92" fill="${RED}"/><polygon points="50,22 83,82 17,82" fill="${WHITE}"/>` +
    `<rect x="43" y="40" width="14" height="38" rx="3" fill="${BLACK}"/>` +
    `<circle cx="50" cy="47" r="4.5" fill="${RED}"/><circle cx="50" cy="59" r="4.5" fill="#f0a000"/>` +
    `<circle cx="50" cy="71" r="4.5" fill="#1a9a40"/>`,
};

/** The sign as SVG elements in a 100×100 box, to be placed with a transform. */
export function signSvg(id: string, options: SignOptions = {}): string {
  const draw = SIGNS[id];
  if (!draw) throw new Error(`no drawing for sign "${id}"`);
  return draw(options);
}
