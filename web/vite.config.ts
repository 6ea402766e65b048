import { paraglideVitePlugin } from "@inlang/paraglide-js";
import { sveltekit } from "@sveltejs/kit/vite";
import { gzipSync } from "node:zlib";
import type { Plugin } from "vite";
import type { Rolldown } from "vite";

type OutputChunk = Rolldown.OutputChunk;
import { defineConfig } from "vitest/config";

// Prints the JavaScript a first visit downloads, gzipped, and fails the build past the
// budget the README promises. SvelteKit's index.html imports its two entries (start, app);
// app then imports the root layout (nodes/0) and the screen's own node. So a first visit
// costs start + app + nodes/0 + one screen's node, each with its static imports: the
// figure is that sum for the heaviest screen.
const BUDGET_KB = 150;

function firstLoadBudget(): Plugin {
  return {
    name: "first-load-budget",
    apply: "build",
    generateBundle(_options, bundle) {
      const chunks = new Map(
        Object.values(bundle)
          .filter((item): item is OutputChunk => item.type === "chunk")
          .map((chunk) => [chunk.fileName, chunk]),
      );
      const byName = (name: string) => [...chunks.values()].filter((c) => c.isEntry && c.name === name);
      const [start, app] = [byName("entry/start"), byName("entry/app")];
      if (!start.length || !app.length) return; // not the client build
      const closure = (roots: OutputChunk[]) => {
        const seen = new Set<string>();
        const walk = (file: string) => {
          if (seen.has(file)) return;
          seen.add(file);
          chunks.get(file)?.imports.forEach(walk);
        };
        roots.forEach((chunk) => walk(chunk.fileName));
        return seen;
      };
      const size = (files: Set<string>) =>
        [...files].reduce((sum, file) => sum + gzipSync(chunks.get(file)!.code).length, 0);
      const shell = [...start, ...app, ...byName("nodes/0")];
      const screens = [...chunks.values()].filter((c) => c.isEntry && /^nodes\/\d+$/.test(c.name) && c.name !== "nodes/0");
      let bytes = size(closure(shell));
      let heaviest = "";
      for (const screen of screens) {
        const total = size(closure([...shell, screen]));
        if (total > bytes || !heaviest) [bytes, heaviest] = [Math.max(bytes, total), screen.name];
      }
      const kb = (bytes / 1024).toFixed(1);
      console.log(`first-load JavaScript: ${kb} KB gzipped (budget ${BUDGET_KB} KB; heaviest screen ${heaviest})`);
      if (bytes > BUDGET_KB * 1024) this.error(`first-load JavaScript over ${BUDGET_KB} KB`);
    },
  };
}

export default defineConfig({
  plugins: [
    // Vitest runs on `npm run i18n`'s compiled catalogs (the plugin's watcher would keep it
    // from exiting); the strategy there is this one.
    ...(process.env.VITEST
      ? []
      : [
          paraglideVitePlugin({
            project: "./project.inlang",
            outdir: "./src/lib/paraglide",
            // The choice made in Settings, else the browser's languages, else English.
            strategy: ["localStorage", "preferredLanguage", "baseLocale"],
          }),
        ]),
    sveltekit(),
    firstLoadBudget(),
  ],
  test: { include: ["src/**/*.test.ts"], environment: "node" },
});
