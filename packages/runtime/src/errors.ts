/** Longer values are cut in the message (not in `value`), so that every error stays one readable line. */
export const MAX_SHOWN_VALUE = 120;

const shown = (value: string): string => (value.length <= MAX_SHOWN_VALUE ? value : `${value.slice(0, MAX_SHOWN_VALUE)}… (${value.length} characters)`);

/**
 * Bad input, always phrased as `FIELD: "value" problem`, so an operator can find the offending setting
 * without a stack trace.
 */
export class InputError extends Error {
  readonly field: string;
  readonly value: string;

  constructor(field: string, value: string, problem: string) {
    super(`${field}: ${JSON.stringify(shown(value))} ${problem}`);
    this.name = 'InputError';
    this.field = field;
    this.value = value;
  }
}
