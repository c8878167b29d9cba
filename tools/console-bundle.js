/**
 * Bundles the web console (apps/console, Preact + Chart.js) into dist/console with esbuild, only
 * when its sources or the lockfile changed since the last bundle (`force` always bundles). The
 * API serves the result under /console; nothing is fetched from elsewhere at run time.
 */
'use strict';
const { createHash } = require('node:crypto');
const {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..');
const source = join(root, 'apps', 'console', 'src');
const out = join(root, 'dist', 'console');
const stampPath = join(out, '.bundle-stamp');

function files(dir, acc) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) files(path, acc);
    else acc.push(path);
  }
  return acc;
}

function digest() {
  const hash = createHash('sha256');
  for (const path of [...files(source, []), join(root, 'package-lock.json')].sort()) {
    if (!existsSync(path)) continue;
    const { size, mtimeMs } = statSync(path);
    hash.update(`${path}\0${size}\0${mtimeMs}\n`);
  }
  return hash.digest('hex');
}

/** Bundles when stale (or forced); returns whether it bundled. */
function ensureConsoleBuilt({ force = false } = {}) {
  if (!existsSync(source)) return false;
  const current = digest();
  const stored = existsSync(stampPath) ? readFileSync(stampPath, 'utf8').trim() : '';
  if (!force && stored === current && existsSync(join(out, 'index.html'))) return false;
  process.stderr.write('Bundling dist/console (web console) ...\n');
  mkdirSync(join(out, 'assets'), { recursive: true });
  require('esbuild').buildSync({
    entryPoints: [join(source, 'main.tsx')],
    outdir: join(out, 'assets'),
    entryNames: '[name]',
    bundle: true,
    minify: true,
    sourcemap: true,
    format: 'esm',
    target: ['es2022'],
    jsx: 'automatic',
    jsxImportSource: 'preact',
    tsconfig: join(root, 'apps', 'console', 'tsconfig.json'),
    legalComments: 'linked',
    logLevel: 'warning',
  });
  copyFileSync(join(source, 'index.html'), join(out, 'index.html'));
  writeFileSync(stampPath, `${current}\n`);
  return true;
}

module.exports = { ensureConsoleBuilt };

if (require.main === module) ensureConsoleBuilt({ force: process.argv.includes('--force') });
