// SvelteKit as a single-page app: adapter-static writes web/dist with index.html as the
// fallback the gateway serves for every path that is not a file (ssr is off everywhere).
import adapter from "@sveltejs/adapter-static";
import { vitePreprocess } from "@sveltejs/vite-plugin-svelte";

/** @type {import('@sveltejs/kit').Config} */
export default {
  preprocess: vitePreprocess(),
  kit: {
    adapter: adapter({ pages: "dist", assets: "dist", fallback: "index.html", strict: true }),
  },
};
