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
  return duration(Math.max(0, (now - Date.parse(iso)) / 1000));
}

/** How far `iso` is from now: "in 42s" ahead, "5m ago" behind. */
export function fromNow(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return '-';
  const seconds = (Date.parse(iso) - now) / 1000;
  return seconds >= 0 ? `in ${duration(seconds)}` : `${duration(-seconds)} ago`;
}

/** A time without its milliseconds, in UTC: `2026-01-01T12:00:00Z`. */
export function instant(iso: string | null | undefined): string {
  if (!iso) return '-';
  const time = Date.parse(iso);
  return Number.isNaN(time) ? iso : new Date(time).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Seconds in the largest whole unit ("42s", "5m", "3h", "2d"). */
export function duration(seconds: number): string {
  const whole = Math.round(seconds);
  if (whole < 120) return `${whole}s`;
  if (whole < 2 * 3600) return `${Math.round(whole / 60)}m`;
  if (whole < 2 * 86_400) return `${Math.round(whole / 3600)}h`;
  return `${Math.round(whole / 86_400)}d`;
}
