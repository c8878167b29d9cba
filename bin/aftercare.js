#!/usr/bin/env node
// `npx aftercare <command>`: builds dist/ once if the sources changed, then runs the CLI.
'use strict';
const { join } = require('node:path');
const { ensureBuilt } = require('../tools/build');

try {
  ensureBuilt();
} catch (error) {
  process.exit(typeof error.status === 'number' ? error.status : 1);
}
require(join(__dirname, '..', 'dist', 'apps', 'cli', 'src', 'main.js'));
