#!/usr/bin/env node
'use strict';
// The clawmedic command. CommonJS and old syntax on purpose: this file must load on any Node, so that
// an older one gets one line saying what to do instead of a stack trace from a dependency.

var MIN_MAJOR = 24;
var major = Number(String(process.versions.node).split('.')[0]);

if (!(major >= MIN_MAJOR)) {
  var path = require('path');
  var fs = require('fs');
  var root = path.resolve(__dirname, '..');
  var shipped = path.join(root, 'node_modules', '.bin', 'node');
  var how = fs.existsSync(shipped)
    ? 'run it with the Node 24 in its node_modules: ' + shipped + ' ' + path.join(__dirname, 'clawmedic.cjs') + ' ...'
    : 'install Node.js 24 (the version OpenClaw runs on) and run clawmedic with it';
  process.stderr.write(
    'clawmedic: needs Node.js ' + MIN_MAJOR + ' or newer, but this is Node ' + process.versions.node + ' (' + process.execPath + '); ' + how + '\n',
  );
  // `check` is a Nagios plugin: it cannot run, so UNKNOWN (3); any other command exits 1.
  process.exit(process.argv.slice(2).indexOf('check') >= 0 ? 3 : 1);
}

require('./launch.cjs');
