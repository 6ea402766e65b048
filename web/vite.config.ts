import { svelte } from "@sveltejs/vite-plugin-svelte";
import { gzipSync } from "node:zlib";
import type { Plugin } from "vite";
import { defineConfig } from "vitest/config";

// Prints the JavaScript a first visit downloads (the entry chunk and its static imports),
// gzipped, and fails the build past the budget the README promises.
const BUDGET_KB = 150;

function firstLoadBudget(): Plugin {
  return {
    name: "first-load-budget",
    apply: "build",
    generateBundle(_options, bundle) {
      const chunks = Object.values(bundle).filter((item) => item.type === "chunk");
      const entry = chunks.find((chunk) => chunk.isEntry);
      if (!entry) return;
      const seen = new Set<string>();
      const walk = (name: string) => {
        if (seen.has(name)) return;
        seen.add(name);
        const chunk = chunks.find((c) => c.fileName === name);
        chunk?.imports.forEach(walk);
      };
      walk(entry.fileName);
      const bytes = [...seen].reduce((sum, name) => {
        const chunk = chunks.find((c) => c.fileName === name);
        return sum + (chunk ? gzipSync(chunk.code).length : 0);
      }, 0);
      const kb = (bytes / 1024).toFixed(1);
      console.log(`first-load JavaScript: ${kb} KB gzipped (budget ${BUDGET_KB} KB)`);
      if (bytes > BUDGET_KB * 1024) this.error(`first-load JavaScript over ${BUDGET_KB} KB`);
    },
  };
}

export default defineConfig({
  plugins: [svelte(), firstLoadBudget()],
  build: { outDir: "dist", emptyOutDir: true },
  test: { include: ["src/**/*.test.ts"], environment: "node" },
});
