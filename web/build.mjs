// Bundles src/ into static/dist/ (embedded in the Go binary by web.go).
// Usage: npm run build
import * as esbuild from 'esbuild';
import { rmSync, mkdirSync } from 'node:fs';

const out = 'static/dist';
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

const common = {
  bundle: true,
  minify: true,
  sourcemap: false,
  legalComments: 'none',
  logLevel: 'info',
  target: ['es2020'],
};

await esbuild.build({
  ...common,
  entryPoints: ['src/app.js'],
  outfile: `${out}/app.js`,
  format: 'iife',
  platform: 'browser',
  define: { 'process.env.NODE_ENV': '"production"' },
});

await esbuild.build({
  ...common,
  entryPoints: ['src/app.css'],
  outfile: `${out}/app.css`,
});
