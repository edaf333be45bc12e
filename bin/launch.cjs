'use strict';
// Loaded only once the Node version is known to be good (see clawmedic.cjs).
import('../dist/src/cli/main.js').catch(function (err) {
  process.stderr.write('clawmedic: cannot load its code (' + (err && err.message ? err.message : String(err)) + '); run `npm run build` in ' + require('path').resolve(__dirname, '..') + '\n');
  process.exitCode = 1;
});
