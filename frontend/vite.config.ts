/// <reference types="vitest/config" />
import react from "@vitejs/plugin-react";
import { readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";
import { defineConfig, type Plugin } from "vite";

// `npm run dev` serves the app at http://localhost:5173 and proxies the API to `aya serve` (AYA_BACKEND overrides it).
const backend = process.env.AYA_BACKEND ?? "http://127.0.0.1:8000";

const TEXT_ASSET = /\.(js|mjs|css|html|svg|json|txt|map)$/;

/**
 * Writes a Brotli (.br) and a gzip (.gz) copy of every text file of the build, so the server sends compressed bytes
 * without compressing per request (src/aya/web/routes/frontend.py picks the copy the browser accepts). Node's own
 * zlib: no plugin dependency.
 */
function precompress(): Plugin {
  let outDir = "dist";
  return {
    name: "aya-precompress",
    apply: "build",
    configResolved(config) {
      outDir = config.build.outDir;
    },
    async closeBundle() {
      const walk = async (dir: string): Promise<string[]> => {
        const entries = await readdir(dir, { withFileTypes: true });
        const nested = await Promise.all(entries.map((e) => (e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)])));
        return nested.flat();
      };
      for (const file of await walk(outDir)) {
        if (!TEXT_ASSET.test(file)) continue;
        const bytes = await readFile(file);
        if (bytes.length < 512) continue; // not worth a round of decompression
        await writeFile(`${file}.gz`, gzipSync(bytes, { level: 9 }));
        await writeFile(
          `${file}.br`,
          brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length } }),
        );
      }
    },
  };
}

export default defineConfig({
  plugins: [react(), precompress()],
  server: {
    proxy: Object.fromEntries(["/chatkit", "/api", "/voice", "/healthz"].map((p) => [p, { target: backend, ws: true }])),
  },
  // The voice tab lazily loads the OpenAI Realtime client (~980 kB); everything else stays well under this.
  build: { outDir: "dist", sourcemap: false, chunkSizeWarningLimit: 1100 },
  test: { environment: "node", include: ["src/**/*.test.ts", "src/**/*.test.tsx"] },
});
