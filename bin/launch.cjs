'use strict';
// Loaded only once the Node version is known to be good (see clawmedic.cjs).
var path = require('path');
var mod = require('module');
// Compiled code is cached between runs (a one-shot `check` starts 50-80 ms sooner); a cache that cannot be
// written is simply not used.
try {
  if (typeof mod.enableCompileCache === 'function') mod.enableCompileCache();
} catch (e) {
  // Never a reason not to run.
}
// The bundled entry (npm run build) when it is there, else the compiled modules one by one.
var bundled = require('fs').existsSync(path.join(__dirname, '..', 'dist', 'clawmedic.mjs'));
import(bundled ? '../dist/clawmedic.mjs' : '../dist/src/cli/main.js').catch(function (err) {
  process.stderr.write('clawmedic: cannot load its code (' + (err && err.message ? err.message : String(err)) + '); run `npm run build` in ' + path.resolve(__dirname, '..') + '\n');
  process.exitCode = 1;
});
