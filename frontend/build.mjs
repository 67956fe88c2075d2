// Bundle the app with esbuild into dist/ (index.html + assets/app.js + assets/app.css).

import { copyFile, mkdir, rm } from 'node:fs/promises';
import { build } from 'esbuild';

await rm('dist', { recursive: true, force: true });
await mkdir('dist/assets', { recursive: true });
await build({
  entryPoints: ['src/main.js'],
  bundle: true,
  minify: true,
  sourcemap: true,
  format: 'esm',
  target: ['es2020'],
  outfile: 'dist/assets/app.js',
  logLevel: 'warning',
});
await copyFile('src/app.css', 'dist/assets/app.css');
await copyFile('index.html', 'dist/index.html');
console.log('frontend built into dist/');
