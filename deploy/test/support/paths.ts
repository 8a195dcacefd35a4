import { join } from 'node:path';

export const DEPLOY = join(import.meta.dirname, '../..');
export const REPO = join(DEPLOY, '..');
export const MONITORING = join(DEPLOY, 'monitoring');

/** Every kustomization an operator builds; deploy/shoot, deploy/gardener and deploy/components/* are Components and only build inside an overlay. */
export const KUSTOMIZATIONS = ['seed', 'monitoring', 'examples/seed', 'examples/gardener', 'examples/shoot'] as const;
