/** Aligned columns as `kubectl get` prints them: each column as wide as its widest cell, `gap` spaces apart. */
export function table(rows: ReadonlyArray<readonly string[]>, options: { indent?: string; gap?: number } = {}): string[] {
  if (rows.length === 0) return [];
  const { indent = '', gap = 2 } = options;
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return rows.map((row) => `${indent}${row.map((cell, column) => cell.padEnd(widths[column]!)).join(' '.repeat(gap))}`.trimEnd());
}
