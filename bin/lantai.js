#!/usr/bin/env node
// The `lantai` binary runs the compiled CLI; `npm ci` compiles it in `prepare`.
import '../dist/cli/bin.js'
