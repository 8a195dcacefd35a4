/** Aligned columns as `kubectl get` prints them: each column as wide as its widest cell, `gap` spaces apart. */
export function table(rows: ReadonlyArray<readonly string[]>, options: { indent?: string; gap?: number } = {}): string[] {
  return [...tableLines(rows, options)];
}

/** table's lines, each made when it is asked for: `overlap plan` prints tables of 10 000 rows, a piece at a time. */
export function* tableLines(rows: ReadonlyArray<readonly string[]>, options: { indent?: string; gap?: number } = {}): Generator<string> {
  if (rows.length === 0) return;
  const { indent = '', gap = 2 } = options;
  const separator = ' '.repeat(gap);
  // Loops rather than a spread per column and an array per row: `overlap plan` prints tables of 10 000 rows.
  const widths = rows[0]!.map((_, column) => {
    let width = 0;
    for (const row of rows) width = Math.max(width, row[column]!.length);
    return width;
  });
  for (const row of rows) {
    let line = indent;
    for (let column = 0; column < row.length; column += 1) line += `${column === 0 ? '' : separator}${row[column]!.padEnd(widths[column]!)}`;
    yield line.trimEnd();
  }
}
