#!/usr/bin/env node
// Runs the compiled agent (built by `npm install` / `npm run build`); `npm run build:agent` makes
// the single-file bundle that is what devices get.
import '../dist/posture-agent/main.js';
