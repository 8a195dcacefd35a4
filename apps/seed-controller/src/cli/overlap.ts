#!/usr/bin/env node
// The `overlap` command: `plan` (the operator's dry run), `uninstall`, and certificates for development and labs.
import { main } from './main.ts';

process.exitCode = await main(process.argv.slice(2), process.stdout, process.stderr);
