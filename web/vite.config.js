// Built into web/dist, which nginx serves at "/" (SPA fallback to index.html).
import { defineConfig } from "vite";

export default defineConfig({
  base: "/",
  build: {
    outDir: "dist",
    emptyOutDir: true,
    assetsInlineLimit: 2048,
    chunkSizeWarningLimit: 400,
  },
  server: {
    // `npm run dev` talks to the real stack through nginx.
    proxy: { "/api": "http://127.0.0.1:8080", "/open311": "http://127.0.0.1:8080" },
  },
});
