import { resolve } from 'node:path';

/** The repository root, where the agents' bundles and the setup scripts are. */
export const REPO_ROOT = resolve(import.meta.dirname, '../../..');
