// How esbuild bundles the app (build.mjs), shared with the tests that bundle variants of it
// (tests/test_e2e_browser_stock.py). Code loaded with import() becomes a chunk of its own
// (assets/chunks/): the OTLP exporter is fetched only by a page whose config chooses it, so the
// default (Zipkin) page does not carry it; everything else, the web vitals included, is in what
// every page loads, within the default build's 30 kB budget (docs/performance.md).
export const buildOptions = {
  entryPoints: { app: 'src/main.js' },
  bundle: true,
  minify: true,
  sourcemap: true,
  format: 'esm',
  splitting: true,
  target: ['es2022'], // class fields and the rest as browsers of 2022 run them, not rewritten
  chunkNames: 'chunks/[name]-[hash]',
  logLevel: 'warning',
};
