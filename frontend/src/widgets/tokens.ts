/** ChatKit widget design tokens (spacing units, colors, radii, sizes) mapped to CSS values. */

export type Theme = "light" | "dark";

/** One spacing unit, as in ChatKit: numbers are units, strings are CSS. */
const UNIT_PX = 4;

export function space(value: unknown): string | undefined {
  if (typeof value === "number") return `${value * UNIT_PX}px`;
  if (typeof value === "string") return value;
  return undefined;
}

/** Width/height-like values: numbers are pixels, strings are CSS. */
export function length(value: unknown): string | undefined {
  if (typeof value === "number") return `${value}px`;
  if (typeof value === "string") return value;
  return undefined;
}

type Sides = { top?: unknown; right?: unknown; bottom?: unknown; left?: unknown; x?: unknown; y?: unknown };

/** Padding/margin: a number, a CSS string, or `{top,right,bottom,left,x,y}`. */
export function spacing(value: unknown): string | undefined {
  if (value === null || value === undefined) return undefined;
  if (typeof value !== "object") return space(value);
  const s = value as Sides;
  const pick = (side: unknown, axis: unknown) => space(side ?? axis) ?? "0";
  return `${pick(s.top, s.y)} ${pick(s.right, s.x)} ${pick(s.bottom, s.y)} ${pick(s.left, s.x)}`;
}

const HUES: Record<string, number> = {
  red: 0,
  orange: 25,
  amber: 40,
  yellow: 50,
  lime: 80,
  green: 140,
  emerald: 155,
  teal: 175,
  cyan: 190,
  sky: 200,
  blue: 220,
  indigo: 240,
  violet: 260,
  purple: 275,
  fuchsia: 295,
  pink: 330,
  rose: 350,
};

/** A primitive color token such as `blue-500` or `gray-200`. */
function primitive(token: string): string | undefined {
  const m = /^([a-z]+)-(\d{2,3})$/.exec(token);
  if (!m) return undefined;
  const level = Math.min(950, Math.max(50, Number(m[2])));
  const lightness = Math.round(97 - (level / 1000) * 85);
  if (m[1] === "gray" || m[1] === "slate" || m[1] === "zinc" || m[1] === "neutral" || m[1] === "stone") {
    return `hsl(220 9% ${lightness}%)`;
  }
  const hue = HUES[m[1]];
  return hue === undefined ? undefined : `hsl(${hue} 75% ${lightness}%)`;
}

const TEXT_TOKENS = new Set(["prose", "primary", "emphasis", "secondary", "tertiary", "success", "warning", "danger"]);
const SURFACE_TOKENS = new Set([
  "surface",
  "surface-secondary",
  "surface-tertiary",
  "surface-elevated",
  "surface-elevated-secondary",
]);
const BORDER_TOKENS = new Set(["default", "subtle", "strong"]);

/** A color value: a token, a primitive token, a CSS color, or a theme-aware `{light, dark}`. */
export function color(value: unknown, theme: Theme, kind: "text" | "surface" | "border" = "text"): string | undefined {
  if (value && typeof value === "object") {
    const themed = value as { light?: unknown; dark?: unknown };
    return color(theme === "dark" ? themed.dark : themed.light, theme, kind);
  }
  if (typeof value !== "string" || !value) return undefined;
  if (kind === "text" && TEXT_TOKENS.has(value)) return `var(--w-text-${value})`;
  if (kind === "surface" && SURFACE_TOKENS.has(value)) return `var(--w-${value})`;
  if (kind === "border" && BORDER_TOKENS.has(value)) return `var(--w-border-${value})`;
  return primitive(value) ?? value;
}

const RADII: Record<string, string> = {
  "2xs": "2px",
  xs: "4px",
  sm: "6px",
  md: "8px",
  lg: "12px",
  xl: "16px",
  "2xl": "20px",
  "3xl": "24px",
  "4xl": "32px",
  full: "9999px",
  "100%": "100%",
  none: "0",
};

export function radius(value: unknown): string | undefined {
  return typeof value === "string" ? (RADII[value] ?? value) : undefined;
}

type BorderSpec = { size?: number; color?: unknown; style?: string };

function borderValue(value: unknown, theme: Theme): string | undefined {
  if (typeof value === "number") return `${value}px solid var(--w-border-default)`;
  if (value && typeof value === "object") {
    const b = value as BorderSpec;
    return `${b.size ?? 1}px ${b.style ?? "solid"} ${color(b.color ?? "default", theme, "border")}`;
  }
  return undefined;
}

/** `border`: a width, a `{size,color,style}`, or per-side `{top,right,bottom,left,x,y}`. */
export function borders(value: unknown, theme: Theme): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (typeof value === "number" || (typeof value === "object" && "size" in (value as object))) {
    const b = borderValue(value, theme);
    return b ? { border: b } : {};
  }
  const s = value as Record<string, unknown>;
  const out: Record<string, string> = {};
  const set = (prop: string, v: unknown) => {
    const b = borderValue(v, theme);
    if (b) out[prop] = b;
  };
  set("borderTop", s.top ?? s.y);
  set("borderBottom", s.bottom ?? s.y);
  set("borderLeft", s.left ?? s.x);
  set("borderRight", s.right ?? s.x);
  return out;
}

export const ALIGN: Record<string, string> = {
  start: "flex-start",
  center: "center",
  end: "flex-end",
  baseline: "baseline",
  stretch: "stretch",
};

export const JUSTIFY: Record<string, string> = {
  start: "flex-start",
  center: "center",
  end: "flex-end",
  between: "space-between",
  around: "space-around",
  evenly: "space-evenly",
  stretch: "stretch",
};

export const TEXT_SIZE: Record<string, string> = { xs: "0.75rem", sm: "0.875rem", md: "1rem", lg: "1.125rem", xl: "1.25rem" };
export const TITLE_SIZE: Record<string, string> = {
  sm: "1rem",
  md: "1.125rem",
  lg: "1.25rem",
  xl: "1.5rem",
  "2xl": "1.75rem",
  "3xl": "2rem",
  "4xl": "2.5rem",
  "5xl": "3rem",
};
export const CAPTION_SIZE: Record<string, string> = { sm: "0.75rem", md: "0.8125rem", lg: "0.875rem" };
export const WEIGHT: Record<string, number> = { normal: 400, medium: 500, semibold: 600, bold: 700 };
