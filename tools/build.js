#!/usr/bin/env node
/**
 * Builds dist/ only when a source or build setting changed since the last build, so `npm start`
 * and `npm run cli` start at once on an unchanged tree. The check stats the inputs (a few ms) and
 * compares a digest of their paths, sizes and modification times with the one stored by the last
 * build; `--force` always builds. Without sources (a deployed image holds dist/ only) it does nothing.
 */
'use strict';
const { createHash } = require('node:crypto');
const { execFileSync } = require('node:child_process');
const {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} = require('node:fs');
const { join } = require('node:path');
const { ensureConsoleBuilt } = require('./console-bundle');

const root = join(__dirname, '..');
const stampPath = join(root, 'dist', '.build-stamp');
const settings = ['tsconfig.json', 'tsconfig.build.json', 'package-lock.json'];

function sources(dir, out) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) sources(path, out);
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts')) out.push(path);
  }
  return out;
}

function digest() {
  const inputs = [...sources(join(root, 'apps'), []), ...sources(join(root, 'libs'), [])];
  for (const file of settings) if (existsSync(join(root, file))) inputs.push(join(root, file));
  const hash = createHash('sha256');
  for (const path of inputs.sort()) {
    const { size, mtimeMs } = statSync(path);
    hash.update(`${path}\0${size}\0${mtimeMs}\n`);
  }
  return hash.digest('hex');
}

function build() {
  const bin = (name) => join(root, 'node_modules', '.bin', name);
  process.stderr.write('Building dist/ (TypeScript) ...\n');
  execFileSync(bin('tsc'), ['-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
  execFileSync(bin('tsc-alias'), ['-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
}

/** Builds when stale (or forced); returns whether it built. */
function ensureBuilt({ force = false } = {}) {
  if (!existsSync(join(root, 'apps'))) return false;
  const current = digest();
  const stored = existsSync(stampPath) ? readFileSync(stampPath, 'utf8').trim() : '';
  const bundled = ensureConsoleBuilt({ force });
  if (!force && stored === current) return bundled;
  build();
  mkdirSync(join(root, 'dist'), { recursive: true });
  // Digest taken before the build: an edit made while tsc ran still counts as a change next time.
  writeFileSync(stampPath, `${current}\n`);
  return true;
}

module.exports = { ensureBuilt };

if (require.main === module) {
  try {
    ensureBuilt({ force: process.argv.includes('--force') });
  } catch (error) {
    process.exitCode = typeof error.status === 'number' ? error.status : 1;
  }
}
