import { readCompose, readRepoFile } from './support/compose-file.js';

// The README's "Deploy with Docker" section cannot be run here (no Docker engine), so at least its command and
// its table must describe the compose file as it is.
const readme = readRepoFile('README.md');
const start = readme.indexOf('\n## Deploy with Docker\n');
const section = readme.slice(start + 1, readme.indexOf('\n## ', start + 1));

describe("the README's Deploy with Docker section", () => {
  it('exists', () => {
    expect(start).toBeGreaterThan(-1);
  });

  it('opens with the one command: copy .env.example, then compose up with a build', () => {
    const block = /```bash\n([\s\S]*?)```/.exec(section)?.[1] ?? '';
    const commands = block
      .split('\n')
      .map((line) => line.replace(/\s+#.*$/, '').trim())
      .filter((line) => line !== '');
    expect(commands).toEqual(['cp .env.example .env', 'docker compose up --build -d']);
  });

  it('lists every compose service in its table, and no other', () => {
    const rows = [...section.matchAll(/^\| `([a-z-]+)`\s+\| /gm)].map((match) => match[1]);
    const services = Object.keys(readCompose().services);
    expect(new Set(rows.filter((row) => services.includes(row as string)))).toEqual(new Set(services));
  });

  it('names every published-port variable and every volume', () => {
    const compose = readCompose();
    const portVariables = Object.values(compose.services)
      .flatMap((service) => (service.ports ?? []).map(String))
      .flatMap((port) => [...port.matchAll(/\$\{([A-Z_]+_PORT)/g)].map((match) => match[1] as string));
    for (const name of [...portVariables, ...Object.keys(compose.volumes ?? {})])
      expect({ name, mentioned: section.includes(name) }).toEqual({ name, mentioned: true });
  });
});
