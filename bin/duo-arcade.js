#!/usr/bin/env node
// Thin shim: the CLI lives in the compiled output so `npx` never needs a TypeScript toolchain.
import { main } from '../dist/cli.js';

process.exitCode = await main(process.argv);
