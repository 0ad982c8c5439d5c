import { renderToStaticMarkup } from "react-dom/server";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { setImageHosts } from "../components/Markdown";
import { fixture, fixtureNames } from "../chatkit/testing";
import type { ThreadStreamEvent, WidgetComponent } from "../chatkit/types";
import { Widget, widgetText } from "./Widget";

const render = (widget: WidgetComponent, theme: "light" | "dark" = "light") =>
  renderToStaticMarkup(<Widget widget={widget} itemId="wid_1" theme={theme} onAction={() => {}} />);

const productCard: WidgetComponent = {
  type: "Card",
  size: "md",
  children: [
    {
      type: "Row",
      gap: 3,
      children: [
        { type: "Image", src: "https://example.test/p1.jpg", alt: "Salmon Senior", size: 64, radius: "md" },
        {
          type: "Col",
          children: [
            { type: "Title", value: "Salmon Senior Cat Food", size: "sm" },
            { type: "Caption", value: "Blue Ridge · 4.7 ★ (312)" },
            { type: "Row", children: [{ type: "Badge", label: "grain free", color: "success" }, { type: "Badge", label: "$24.99" }] },
            { type: "Markdown", value: "Protein **32%** · <script>alert(1)</script>" },
          ],
        },
      ],
    },
    { type: "Divider" },
    { type: "Button", label: "Details", onClickAction: { type: "product.details", payload: { product_id: "p1" } } },
  ],
};

describe("Widget", () => {
  // product images come from an allow-listed host (AYA_IMAGE_HOSTS); the page's own origin is localhost
  beforeAll(() => {
    vi.stubGlobal("location", new URL("http://localhost:8000/"));
    setImageHosts(["example.test"]);
  });
  afterAll(() => {
    vi.unstubAllGlobals();
    setImageHosts([]);
  });

  it("leaves out a product image from a host that is not allow-listed", () => {
    setImageHosts([]);
    expect(render(productCard)).not.toContain("<img");
    setImageHosts(["example.test"]);
  });

  it("renders a product card: image, title, caption, badges, markdown, divider, button", () => {
    const html = render(productCard);
    expect(html).toContain('src="https://example.test/p1.jpg"');
    expect(html).toContain('alt="Salmon Senior"');
    expect(html).toContain("Salmon Senior Cat Food");
    expect(html).toContain("Blue Ridge · 4.7 ★ (312)");
    expect(html).toMatch(/class="w-badge[^"]*w-color-success[^"]*">grain free</);
    expect(html).toContain("<strong>32%</strong>");
    expect(html).not.toContain("<script>");
    expect(html).toContain("<hr");
    expect(html).toMatch(/<button[^>]*>Details<\/button>/);
  });

  it("renders list views with their limit, and table rows with header cells", () => {
    const list = render({
      type: "ListView",
      limit: 2,
      children: ["A", "B", "C"].map((v) => ({ type: "ListViewItem", children: [{ type: "Text", value: v }] })),
    });
    expect(list).toContain(">A<");
    expect(list).toContain(">B<");
    expect(list).not.toContain(">C<");
    expect(list).toContain("Show 1 more");
    const table = render({
      type: "Basic",
      children: [
        {
          type: "Table",
          children: [
            { type: "Table.Row", header: true, children: [{ type: "Table.Cell", children: [{ type: "Text", value: "Protein" }] }] },
            { type: "Table.Row", children: [{ type: "Table.Cell", children: [{ type: "Text", value: "32%" }] }] },
          ],
        },
      ],
    });
    expect(table).toMatch(/<th[^>]*scope="col"[^>]*><p[^>]*>Protein<\/p><\/th>/);
    expect(table).toMatch(/<td[^>]*><p[^>]*>32%<\/p><\/td>/);
  });

  it("an unknown component degrades to its children or its text, never a blank", () => {
    expect(render({ type: "Card", children: [{ type: "Sparkline", label: "Price trend", values: [1, 2] }] })).toContain("Price trend");
    expect(render({ type: "Card", children: [{ type: "Carousel", children: [{ type: "Text", value: "inside" }] }] })).toContain("inside");
    expect(render({ type: "Card", children: [{ type: "Mystery" }] })).toContain("[Mystery]");
  });

  it("themes colors: tokens, primitives and {light, dark}", () => {
    const themed: WidgetComponent = { type: "Text", value: "x", color: { light: "red-500", dark: "#00ff00" } };
    expect(render({ type: "Card", children: [themed] }, "dark")).toContain("color:#00ff00");
    expect(render({ type: "Card", children: [themed] }, "light")).toMatch(/color:hsl\(0 75% \d+%\)/);
    expect(render({ type: "Card", children: [{ type: "Text", value: "y", color: "secondary" }] })).toContain("var(--w-text-secondary)");
  });

  it("widgetText collects the readable text of a tree", () => {
    expect(widgetText(productCard)).toContain("Salmon Senior Cat Food");
    expect(widgetText(productCard)).toContain("Details");
  });
});

describe("every widget the real server sent", () => {
  const widgets = fixtureNames("real_")
    .flatMap((name) => fixture(name).split("\n\n"))
    .filter((frame) => frame.startsWith("data: "))
    .map((frame) => JSON.parse(frame.slice(6)) as ThreadStreamEvent)
    .flatMap((e) => (e.type === "thread.item.done" && e.item.type === "widget" ? [e.item] : []));

  it.runIf(widgets.length > 0)("renders with known components only, showing its text and actions", () => {
    const known = new Set<string>();
    const walk = (c: WidgetComponent) => {
      known.add(c.type);
      const ch = c.children;
      (Array.isArray(ch) ? ch : ch ? [ch] : []).forEach(walk);
    };
    for (const item of widgets) {
      walk(item.widget);
      const html = render(item.widget);
      expect(html).not.toMatch(/class="w-unknown"/);
      const title = JSON.stringify(item.widget).match(/"type":"Title","value":"([^"]+)"/)?.[1];
      if (title) expect(html).toContain(title.replace(/&/g, "&amp;").replace(/'/g, "&#x27;"));
    }
    expect(known.has("Button")).toBe(true);
  });
});
