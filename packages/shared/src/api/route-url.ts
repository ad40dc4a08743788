/**
 * The URL of a call: `baseUrl` (which may end in a path, such as `https://host/ct`) joined with the route's
 * path, `:params` filled in (percent-encoded) and the query appended. Undefined query values are left out;
 * arrays repeat the key.
 */
export function routeUrl(
  baseUrl: string,
  path: string,
  params: Readonly<Record<string, unknown>> = {},
  query: Readonly<Record<string, unknown>> = {},
): string {
  const filled = path.replace(/:([A-Za-z_][A-Za-z0-9_]*)/g, (_match, name: string) => {
    const value = params[name];
    if (value === undefined || value === null || value === '')
      throw new TypeError(`the path ${path} needs the parameter "${name}"`);
    return encodeURIComponent(String(value));
  });
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(query))
    for (const item of Array.isArray(value) ? value : [value])
      if (item !== undefined && item !== null)
        search.append(key, item instanceof Date ? item.toISOString() : String(item));
  const queryString = search.toString();
  return `${baseUrl.replace(/\/+$/, '')}${filled}${queryString ? `?${queryString}` : ''}`;
}
