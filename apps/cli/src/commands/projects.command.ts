import { basename, resolve } from 'node:path';
import { type ProjectVersion, projectNameSchema } from '@ct/shared';
import { ProjectArchiveError, readProjectDir, writeProjectArchive } from '@ct/shared/project-archive';
import { formatTable } from '../output/table.js';
import { type Command, type CommandGroup, EXIT, print } from './command.js';
import { requestCommand } from './request-command.js';

/** `ct project push DIR [--name N]`: packs the folder and uploads it as a new version (or finds it uploaded). */
const push: Command = {
  usage: 'project push <dir> [--name <project>]',
  summary: "upload a folder as a version of a team's project (its name: --name, else the folder's)",
  async run(context) {
    const dir = resolve(context.args[0] ?? '.');
    const name = context.flags.name ?? basename(dir);
    const named = projectNameSchema.safeParse(name);
    if (!named.success) {
      context.io.err(
        `ct: project name ${JSON.stringify(name)} ${named.error.issues[0]?.message} (use --name)`,
      );
      return EXIT.usage;
    }
    let archive: Buffer;
    try {
      archive = writeProjectArchive(await readProjectDir(dir));
    } catch (error) {
      if (!(error instanceof ProjectArchiveError)) throw error;
      context.io.err(`ct: cannot upload ${dir}: ${error.message}`);
      return EXIT.usage;
    }
    const { status, body: version } = await context.client.call('uploadProject', {
      params: { name },
      body: archive,
    });
    print(context, version, () =>
      [
        `${status === 201 ? 'uploaded' : 'already uploaded'}: ${version.ref}`,
        `  ${version.fileCount} files, ${kb(version.unpackedBytes)} (${kb(version.sizeBytes)} packed); ` +
          `environment: ${describeEnvironment(version)}`,
        ...(version.entryPoints.length > 0
          ? [`  entry points: ${version.entryPoints.map((point) => point.name).join(', ')}`]
          : []),
        `  a job runs it with "project": "${version.name}" (the newest version) or "${version.name}@${version.hash.slice(0, 12)}"`,
      ].join('\n'),
    );
    return EXIT.ok;
  },
};

const list = requestCommand({
  usage: 'project list',
  summary: "the team's uploaded projects, each with its newest version",
  request: ({ client }) => client.listProjects(),
  text: (projects) =>
    formatTable(
      projects.items,
      [
        { heading: 'project', cell: (p) => p.name },
        { heading: 'versions', cell: (p) => p.versions },
        { heading: 'newest', cell: (p) => p.latest.hash.slice(0, 12) },
        { heading: 'uploaded', cell: (p) => p.latest.createdAt },
        { heading: 'entry points', cell: (p) => p.latest.entryPoints.map((e) => e.name).join(',') },
      ],
      'no uploaded projects',
    ),
});

const show = requestCommand({
  usage: 'project show <project>',
  summary: "a project's versions, newest first, with their entry points and environment",
  request: (context) => context.client.getProject({ params: { name: context.args[0] ?? '' } }),
  text: (project) =>
    [
      `project ${project.name}`,
      formatTable(
        project.versions,
        [
          { heading: 'version', cell: (v: ProjectVersion) => v.hash.slice(0, 12) },
          { heading: 'uploaded', cell: (v: ProjectVersion) => v.createdAt },
          { heading: 'files', cell: (v: ProjectVersion) => v.fileCount },
          { heading: 'size', cell: (v: ProjectVersion) => kb(v.unpackedBytes) },
          { heading: 'environment', cell: describeEnvironment },
          {
            heading: 'entry points',
            cell: (v: ProjectVersion) => v.entryPoints.map((e) => e.name).join(','),
          },
        ],
        'no versions',
      ),
    ].join('\n'),
});

/** `ct project <subcommand>`: a team's own training code, uploaded in versions. */
export const projectCommand: CommandGroup = {
  summary: "a team's own training code (custom functions, MLflow Projects), uploaded in versions",
  subcommands: { push, list, show },
};

function describeEnvironment(version: ProjectVersion): string {
  const { kind, file } = version.environment;
  return kind === 'none' ? "the platform's" : `${kind}${file ? ` (${file})` : ''}`;
}

function kb(bytes: number): string {
  return bytes < 10_240 ? `${bytes} B` : `${Math.round(bytes / 1024)} kB`;
}
