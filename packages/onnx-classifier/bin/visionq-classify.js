#!/usr/bin/env node
// The command's entry point lives outside dist/ so that it exists before the first build: pnpm links a
// workspace package's bin at install time and warns about every link whose target is missing.
await import('../dist/cli.js');
