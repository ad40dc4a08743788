/** A column of a text table: its heading and how to show a row's cell. */
export interface Column<Row> {
  heading: string;
  cell: (row: Row) => string | number | null | undefined;
}

/** Rows as an aligned text table with a heading line; an empty list says so instead. */
export function formatTable<Row>(
  rows: readonly Row[],
  columns: readonly Column<Row>[],
  empty = '(none)',
): string {
  if (rows.length === 0) return empty;
  const cells = rows.map((row) => columns.map((column) => show(column.cell(row))));
  const widths = columns.map((column, i) =>
    Math.max(column.heading.length, ...cells.map((line) => line[i]?.length ?? 0)),
  );
  const line = (values: readonly string[]) =>
    values
      .map((value, i) => (i === values.length - 1 ? value : value.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(columns.map((column) => column.heading.toUpperCase())), ...cells.map(line)].join('\n');
}

function show(value: string | number | null | undefined): string {
  if (value === null || value === undefined || value === '') return '-';
  return String(value);
}

/** How long ago `iso` was, in the largest whole unit ("42s", "5m", "3h", "2d"). */
export function age(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return '-';
  const seconds = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (seconds < 120) return `${seconds}s`;
  if (seconds < 2 * 3600) return `${Math.round(seconds / 60)}m`;
  if (seconds < 2 * 86_400) return `${Math.round(seconds / 3600)}h`;
  return `${Math.round(seconds / 86_400)}d`;
}
