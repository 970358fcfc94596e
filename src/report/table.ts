/** Plain-text columns, each as wide as its widest cell: a formatter for the header and every row. */
export function columns(
  header: string[],
  rows: string[][],
  separator = '  ',
): (cells: string[]) => string {
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((r) => r[i]!.length)));
  return (cells) =>
    cells
      .map((cell, i) => cell.padEnd(widths[i]!))
      .join(separator)
      .trimEnd();
}
