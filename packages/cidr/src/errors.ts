/**
 * Bad input, always phrased as `FIELD: "value" problem`, so an operator can find the offending setting
 * without a stack trace.
 */
export class InputError extends Error {
  readonly field: string;
  readonly value: string;

  constructor(field: string, value: string, problem: string) {
    super(`${field}: ${JSON.stringify(value)} ${problem}`);
    this.name = 'InputError';
    this.field = field;
    this.value = value;
  }
}
