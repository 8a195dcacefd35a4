import type { InjectionSettings } from '../inject/settings.ts';
import { SECRET } from '../owned/kinds.ts';
import type { MaterialSource } from '../owned/objects.ts';
import { pkiState } from './secrets.ts';
import { renewPki } from './shoot-pki.ts';

/** The controller's MaterialSource: the shoot's PKI as its Secrets hold it, renewed as of `clock()`. */
export function pkiMaterial(settings: InjectionSettings, clock: () => Date): MaterialSource {
  return async (namespace, live) => ({ pki: await renewPki(namespace, pkiState(live(SECRET), settings), clock()) });
}
