// What every suite that talks to the controller's webhook over HTTPS needs: a serving certificate as
// `overlap dev-cert` makes it, in a directory of its own, and the JSONPatch of an answer applied independently.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyPatch } from 'rfc6902';
import { expect } from 'vitest';
import { generateDevCertificates } from '../../src/cli/dev-cert.ts';

export interface WebhookCertificates {
  /** The directory holding ca.crt, tls.crt and tls.key. */
  readonly dir: string;
  /** The CA, PEM, that a client verifies the webhook against (the caBundle). */
  readonly ca: string;
  readonly caFile: string;
  readonly certFile: string;
  readonly keyFile: string;
  /** Removes the directory. */
  remove(): void;
}

/** A CA and a serving certificate for the controller's Service in `garden`, valid one day, written to a new directory. */
export async function webhookCertificates(prefix: string): Promise<WebhookCertificates> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const certs = await generateDevCertificates({ service: 'overlap-seed-controller', namespace: 'garden', days: 1 });
  const files = { caFile: join(dir, 'ca.crt'), certFile: join(dir, 'tls.crt'), keyFile: join(dir, 'tls.key') };
  writeFileSync(files.caFile, certs.caCert);
  writeFileSync(files.certFile, certs.tlsCert);
  writeFileSync(files.keyFile, certs.tlsKey);
  return { dir, ca: certs.caCert, ...files, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** `original` with an admission answer's JSONPatch applied (by rfc6902, not the code that made it). */
export function patched<T extends object>(original: T, response: { patchType?: string; patch?: string }): T {
  const copy = structuredClone(original);
  if (!response.patch) return copy;
  expect(response.patchType).toBe('JSONPatch');
  const errors = applyPatch(copy, JSON.parse(Buffer.from(response.patch, 'base64').toString('utf8')));
  expect(errors.filter((e) => e !== null)).toEqual([]);
  return copy;
}
