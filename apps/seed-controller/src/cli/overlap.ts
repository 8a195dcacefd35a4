#!/usr/bin/env node
// The `overlap` command: `plan` (the operator's dry run) and `dev-cert` (a webhook certificate for development).
import { main } from './main.ts';

process.exitCode = main(process.argv.slice(2), process.stdout, process.stderr);
