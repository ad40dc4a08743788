const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Whether `value` may be compared with a uuid column: Postgres fails a query whose uuid parameter is not one. */
export function isUuid(value: string): boolean {
  return UUID.test(value);
}
