import { join } from 'node:path';

export const DEPLOY = join(import.meta.dirname, '../..');
export const REPO = join(DEPLOY, '..');
export const MONITORING = join(DEPLOY, 'monitoring');

/** Every kustomization an operator builds; the shoot base is a Component and only builds inside an overlay. */
export const KUSTOMIZATIONS = ['seed', 'monitoring', 'examples/seed', 'examples/shoot'] as const;
