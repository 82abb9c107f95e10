// Bundles src/ into static/dist/ (embedded in the Go binary by web.go).
// Usage: npm run build
import * as esbuild from 'esbuild';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

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

// Precompressed copies, made once here at build time (Node's zlib: brotli
// at its best quality, gzip at level 9), so the server sends a small body
// without compressing on every request (web.go picks by Accept-Encoding).
for (const name of readdirSync(out)) {
  if (!/\.(js|css)$/.test(name)) continue;
  const raw = readFileSync(`${out}/${name}`);
  const br = brotliCompressSync(raw, {
    params: {
      [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
      [constants.BROTLI_PARAM_SIZE_HINT]: raw.length,
    },
  });
  writeFileSync(`${out}/${name}.br`, br);
  writeFileSync(`${out}/${name}.gz`, gzipSync(raw, { level: 9 }));
  console.log(`  ${out}/${name}: ${raw.length} B, brotli ${br.length} B`);
}
