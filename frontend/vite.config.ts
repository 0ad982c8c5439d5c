/// <reference types="vitest/config" />
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

// `npm run dev` serves the app at http://localhost:5173 and proxies the API to `aya serve` (AYA_BACKEND overrides it).
const backend = process.env.AYA_BACKEND ?? "http://127.0.0.1:8000";

export default defineConfig({
  plugins: [react()],
  server: {
    proxy: Object.fromEntries(["/chatkit", "/api", "/voice", "/healthz"].map((p) => [p, { target: backend, ws: true }])),
  },
  // The voice tab lazily loads the OpenAI Realtime client (~980 kB); everything else stays well under this.
  build: { outDir: "dist", sourcemap: false, chunkSizeWarningLimit: 1100 },
  test: { environment: "node", include: ["src/**/*.test.ts", "src/**/*.test.tsx"] },
});
