/** Lines (without their ends) as the text a backend reads: each line ended by `\n`; no lines, no text. */
export const joinLines = (lines: readonly string[]): string => (lines.length === 0 ? '' : `${lines.join('\n')}\n`);
