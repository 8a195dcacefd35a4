import { closeSync, openSync, readSync } from 'node:fs';
import type { V1Deployment } from '@kubernetes/client-node';
import { parse as parseYaml } from 'yaml';
import { InputError } from '@overlap/runtime';
import { isJsonObject } from '../shoot/json-fields.ts';

/** Far above any Cluster or Deployment (tens of KB); the bound keeps `-f /dev/zero` from never returning. */
const MAX_INPUT_BYTES = 4 * 1024 * 1024;

/**
 * Reads at most `limit` bytes and refuses anything longer, whatever the file is (a device, a pipe, a huge file).
 * `-` is standard input (a pipe or socket: read from its descriptor, which a path cannot always reopen).
 */
export function readText(path: string, field: string, limit = MAX_INPUT_BYTES): string {
  const stdin = path === '-';
  let fd: number;
  try {
    fd = stdin ? 0 : openSync(path, 'r');
  } catch (error) {
    throw new InputError(field, path, `cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  try {
    // Not zero-filled: only the bytes read are ever looked at, and zeroing 4 MiB (twice per `overlap plan`, for
    // the two sample files) touched every page of it.
    const buffer = Buffer.allocUnsafe(limit + 1);
    let length = 0;
    for (let read = -1; read !== 0 && length <= limit; length += read) {
      read = readSync(fd, buffer, length, buffer.length - length, null);
    }
    if (length > limit) throw new InputError(field, path, `is larger than ${limit / 1024 / 1024} MiB`);
    return buffer.subarray(0, length).toString('utf8');
  } catch (error) {
    if (error instanceof InputError) throw error;
    throw new InputError(field, path, `cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  } finally {
    if (!stdin) closeSync(fd);
  }
}

export function readDocument(path: string, field: string, limit = MAX_INPUT_BYTES): unknown {
  const text = readText(path, field, limit);
  try {
    return parseYaml(text);
  } catch (error) {
    throw new InputError(field, path, `is not YAML or JSON: ${(error as Error).message.split('\n')[0]}`);
  }
}

/**
 * What the injection reads and writes in a Deployment, checked before it runs: the API server guarantees this
 * shape for the webhook, a file given to the CLI does not.
 */
export function assertDeploymentShape(document: unknown, field: string, path: string): asserts document is V1Deployment {
  const bad = (where: string, problem: string): never => {
    throw new InputError(field, path, where === '' ? problem : `${where} ${problem}`);
  };
  if (!isJsonObject(document) || document['kind'] !== 'Deployment') bad('', 'does not hold a Deployment');
  const deployment = document as Record<string, unknown>;
  const template = (deployment['spec'] as Record<string, unknown> | undefined)?.['template'];
  const spec = isJsonObject(template) ? template['spec'] : undefined;
  if (!isJsonObject(spec)) bad('spec.template.spec', 'is missing or not an object');
  const pod = spec as Record<string, unknown>;
  if (!Array.isArray(pod['containers'])) bad('spec.template.spec.containers', 'must be a list of containers');
  (pod['containers'] as unknown[]).forEach((container, index) => {
    const where = `spec.template.spec.containers[${index}]`;
    if (!isJsonObject(container) || typeof container['name'] !== 'string') bad(where, 'must be a container with a name');
    const fields = container as Record<string, unknown>;
    for (const list of ['args', 'command', 'volumeMounts']) {
      if (fields[list] !== undefined && !Array.isArray(fields[list])) bad(`${where}.${list}`, 'must be a list');
    }
  });
  for (const list of ['volumes', 'hostAliases']) {
    if (pod[list] !== undefined && !Array.isArray(pod[list])) bad(`spec.template.spec.${list}`, 'must be a list');
  }
  const metadata = isJsonObject(template) ? template['metadata'] : undefined;
  if (metadata !== undefined && !isJsonObject(metadata)) bad('spec.template.metadata', 'must be an object');
}
