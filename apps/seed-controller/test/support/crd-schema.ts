import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { parse } from 'yaml';

type Schema = Record<string, unknown>;

/**
 * What the API server does with a structural schema, made strict: fields the schema does not know are pruned
 * there, and refused here, so a misspelt field fails the test instead of silently vanishing in the cluster.
 */
function refuseUnknownFields(schema: Schema): Schema {
  const copy: Schema = { ...schema };
  if (copy.properties) {
    copy.properties = Object.fromEntries(Object.entries(copy.properties as Record<string, Schema>).map(([key, value]) => [key, refuseUnknownFields(value)]));
    if (copy.additionalProperties === undefined) copy.additionalProperties = false;
  }
  if (copy.items) copy.items = refuseUnknownFields(copy.items as Schema);
  if (typeof copy.additionalProperties === 'object') copy.additionalProperties = refuseUnknownFields(copy.additionalProperties as Schema);
  return copy;
}

/** Go's RE2 patterns as the API server reads them: an inline `(?i)` is a flag, which JavaScript spells after the slash. */
const goRegExp = Object.assign(
  (pattern: string, flags: string): RegExp => (pattern.includes('(?i)') ? new RegExp(pattern.replace('(?i)', ''), `${flags}i`) : new RegExp(pattern, flags)),
  { code: 'new RegExp' },
);

/** A validator for one version of a CRD vendored under test/fixtures; `metadata` is checked as an ObjectMeta. */
export function crdValidator(file: string, version: string): (object: unknown) => string[] {
  const crd = parse(readFileSync(join(import.meta.dirname, '../fixtures', file), 'utf8'));
  const schema = crd.spec.versions.find((v: { name: string }) => v.name === version).schema.openAPIV3Schema as Schema;
  // int64 and date-time are OpenAPI formats ajv does not know; the API server checks them, these tests need not.
  const validate: ValidateFunction = new Ajv({ allErrors: true, strict: false, validateFormats: false, code: { regExp: goRegExp } }).compile(
    refuseUnknownFields(schema),
  );
  return (object) => {
    const problems = validate(object) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message} ${JSON.stringify(e.params)}`);
    try {
      // kubernetes-models checks an ObjectMeta as part of an object; a ConfigMap has nothing else required.
      new ConfigMap({ metadata: (object as { metadata?: object }).metadata as never }).validate();
    } catch (error) {
      problems.push(`/metadata ${(error as Error).message}`);
    }
    return problems;
  };
}
