import { describe, expect, it } from "vitest";
import { DEFAULT_CONFIG, normalizeConfig } from "./config";

describe("normalizeConfig", () => {
  it("reads the server's /api/config shape", () => {
    const config = normalizeConfig({
      greeting: "Hi, I'm Aya!",
      prompts: [{ label: "Puppy food", prompt: "What food for a puppy?", icon: "sparkle" }],
      chatkit: { url: "/chatkit", ui: "hosted", domain_key: "domain_pk_1", upload_url: "/api/attachments" },
      auth: { mode: "token", session_url: "/api/session" },
      voice: { mode: "offline" },
      attachments: { enabled: true, max_bytes: 1024, accept: { "image/png": [".png"] } },
    });
    expect(config.greeting).toBe("Hi, I'm Aya!");
    expect(config.prompts).toEqual([{ label: "Puppy food", prompt: "What food for a puppy?", icon: "sparkle" }]);
    expect(config.chatkitUi).toBe("hosted");
    expect(config.domainKey).toBe("domain_pk_1");
    expect(config.authMode).toBe("token");
    expect(config.voiceMode).toBe("offline");
    expect(config.attachments).toEqual({ enabled: true, maxBytes: 1024, accept: ["image/png", ".png"] });
  });

  it("keeps defaults for what is missing or malformed", () => {
    expect(normalizeConfig(null)).toEqual(DEFAULT_CONFIG);
    const config = normalizeConfig({ chatkit_ui: "something", prompts: ["Just text"] });
    expect(config.chatkitUi).toBe("builtin");
    expect(config.prompts).toEqual([{ label: "Just text", prompt: "Just text" }]);
    expect(config.authMode).toBe("dev");
  });
});
