// Bundle the app with esbuild into dist/ (index.html + assets/app.js + assets/app.css + the chunks
// loaded only when chosen, assets/chunks/), with the options in build-options.mjs.

import { copyFile, mkdir, rm } from 'node:fs/promises';
import { build } from 'esbuild';
import { buildOptions } from './build-options.mjs';

await rm('dist', { recursive: true, force: true });
await mkdir('dist/assets', { recursive: true });
await build({ ...buildOptions, outdir: 'dist/assets' });
await copyFile('src/app.css', 'dist/assets/app.css');
await copyFile('index.html', 'dist/index.html');
console.log('frontend built into dist/');
