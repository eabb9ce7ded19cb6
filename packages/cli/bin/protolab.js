#!/usr/bin/env node
// The `protolab` command. A committed file, so `pnpm install` can link it before anything is built;
// the command itself is dist/bin.js.
import '../dist/bin.js'
