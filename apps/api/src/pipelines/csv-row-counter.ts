import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { isAbsolute, relative, resolve } from 'node:path';
import { createInterface } from 'node:readline';

/**
 * Counts the rows of a CSV file under `root` whose `timeColumn` is after `from` (every row when null) and
 * at or before `until`. A file not modified since `from` has no new rows and is not read. Times without a
 * zone are UTC, as the pipeline reads them; a row whose time does not parse is not counted. Quoted fields
 * are understood, but not a line break inside one.
 */
export async function countCsvRows(
  root: string,
  path: string,
  timeColumn: string,
  from: Date | null,
  until: Date,
): Promise<number> {
  const file = resolve(root, path);
  const inside = relative(resolve(root), file);
  if (inside.startsWith('..') || isAbsolute(inside)) throw new Error(`${path} is not under the data root`);
  if (from !== null && (await stat(file)).mtime.getTime() <= from.getTime()) return 0;
  const lines = createInterface({
    input: createReadStream(file, 'utf8'),
    crlfDelay: Number.POSITIVE_INFINITY,
  });
  let column = -1;
  let rows = 0;
  for await (const line of lines) {
    if (column < 0) {
      column = csvFields(line.replace(/^\uFEFF/, '')).indexOf(timeColumn);
      if (column < 0) throw new Error(`${path} has no column ${timeColumn}`);
      continue;
    }
    if (line.trim() === '') continue;
    const at = parseTime(csvFields(line)[column] ?? '');
    if (Number.isFinite(at) && (from === null || at > from.getTime()) && at <= until.getTime()) rows += 1;
  }
  return rows;
}

/** The fields of one CSV line: commas separate, double quotes enclose, `""` is a quote inside quotes. */
export function csvFields(line: string): string[] {
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i += 1) {
    const char = line[i];
    if (quoted) {
      if (char === '"' && line[i + 1] === '"') {
        field += '"';
        i += 1;
      } else if (char === '"') quoted = false;
      else field += char;
    } else if (char === '"') quoted = true;
    else if (char === ',') {
      fields.push(field);
      field = '';
    } else field += char;
  }
  fields.push(field);
  return fields;
}

const NO_ZONE = /^\d{4}-\d{2}-\d{2}(?:[ T]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$/;

/** Milliseconds since the epoch; NaN when it is not a time. A date or time without a zone is UTC. */
export function parseTime(value: string): number {
  const text = value.trim();
  if (!NO_ZONE.test(text)) return Date.parse(text);
  const [date, time = '00:00:00'] = text.split(/[ T]/);
  return Date.parse(`${date}T${time}Z`);
}
