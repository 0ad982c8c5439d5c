import { renderToStaticMarkup } from "react-dom/server";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { imageAllowed, Markdown, setImageHosts } from "./Markdown";

describe("markdown images", () => {
  beforeEach(() => {
    vi.stubGlobal("location", new URL("http://localhost:8000/"));
    setImageHosts([]);
  });
  afterEach(() => vi.unstubAllGlobals());

  it("shows same-origin images and HTTPS images from allow-listed hosts only", () => {
    expect(imageAllowed("/api/attachments/atc_1")).toBe(true);
    expect(imageAllowed("https://tracker.example/pixel.png?q=secret")).toBe(false);
    setImageHosts(["images.shop.example"]);
    expect(imageAllowed("https://images.shop.example/a.png")).toBe(true);
    expect(imageAllowed("http://images.shop.example/a.png")).toBe(false);
    expect(imageAllowed("https://evil.example/a.png")).toBe(false);
  });

  it("renders a remote image as its alt text, never as an <img>", () => {
    const html = renderToStaticMarkup(<Markdown text="Look ![the bag](https://tracker.example/x.png?d=chat) here" />);
    expect(html).not.toContain("<img");
    expect(html).not.toContain("tracker.example");
    expect(html).toContain("[the bag]");
  });
});
