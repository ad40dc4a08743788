import { parseMarkdown, sectionOf } from '@ct/test-support';
import { readCompose, readRepoFile } from './support/compose-file.js';

// docs/deployment.md's "Deploy with Docker" section cannot be run here (no Docker engine), so at least its command
// and its table must describe the compose file as it is.
// checks doc blocks: docs/deployment.md "## Deploy with Docker" 1
const section = sectionOf(parseMarkdown(readRepoFile('docs/deployment.md')), '## Deploy with Docker');

describe("docs/deployment.md's Deploy with Docker section", () => {
  it('opens with the one command: copy .env.example, then compose up with a build', () => {
    const block = section.blocks[0]?.code ?? '';
    const commands = block
      .split('\n')
      .map((line) => line.replace(/\s+#.*$/, '').trim())
      .filter((line) => line !== '');
    expect(commands).toEqual(['cp .env.example .env', 'docker compose up --build -d']);
  });

  it('lists every compose service in its table, and no other', () => {
    const rows = [...section.text.matchAll(/^\| `([a-z-]+)`\s+\| /gm)].map((match) => match[1]);
    const services = Object.keys(readCompose().services);
    expect(new Set(rows.filter((row) => services.includes(row as string)))).toEqual(new Set(services));
  });

  it('names every published-port variable and every volume', () => {
    const compose = readCompose();
    const portVariables = Object.values(compose.services)
      .flatMap((service) => (service.ports ?? []).map(String))
      .flatMap((port) => [...port.matchAll(/\$\{([A-Z_]+_PORT)/g)].map((match) => match[1] as string));
    for (const name of [...portVariables, ...Object.keys(compose.volumes ?? {})])
      expect({ name, mentioned: section.text.includes(name) }).toEqual({ name, mentioned: true });
  });
});
