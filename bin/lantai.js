#!/usr/bin/env node
// The `lantai` binary runs the compiled CLI; `npm ci` compiles it in `prepare`.
import { main } from '../dist/cli/main.js'

process.exitCode = await main(process.argv.slice(2))
