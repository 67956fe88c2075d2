// Bundle the app with esbuild into dist/ (index.html + assets/app.js + assets/app.css). Code loaded
// with import() becomes a chunk of its own (assets/chunks/): the OTLP exporter is fetched only by a
// page whose config chooses it, so the default (Zipkin) page does not carry it; the web vitals
// (vitals-*.js: web-vitals and vitals.js) are fetched by every page once tracing has started, off
// the first page's critical path and its 30 kB budget (page-view.js).

import { copyFile, mkdir, rm } from 'node:fs/promises';
import { build } from 'esbuild';

await rm('dist', { recursive: true, force: true });
await mkdir('dist/assets', { recursive: true });
await build({
  entryPoints: { app: 'src/main.js' },
  bundle: true,
  minify: true,
  sourcemap: true,
  format: 'esm',
  splitting: true,
  target: ['es2020'],
  outdir: 'dist/assets',
  chunkNames: 'chunks/[name]-[hash]',
  logLevel: 'warning',
});
await copyFile('src/app.css', 'dist/assets/app.css');
await copyFile('index.html', 'dist/index.html');
console.log('frontend built into dist/');
