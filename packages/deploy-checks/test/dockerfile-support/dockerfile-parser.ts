/**
 * A small Dockerfile reader for static checks: parser directives (`# syntax=`, `# escape=`), comments, line
 * continuations, instructions with their `--flags`, and stages. Heredocs are not used in this repository, so
 * COPY/ADD/RUN heredocs are refused rather than misread.
 */

export type Instruction = {
  /** Upper case: FROM, COPY, RUN... */
  keyword: string;
  /** Leading `--name=value` (or bare `--name`) options, for the instructions that take them. */
  flags: Record<string, string>;
  /** The rest of the instruction, continuations joined with a space. */
  args: string;
  /** 1-based line where the instruction starts. */
  line: number;
};

export type Stage = {
  /** The image or earlier stage named by FROM, as written (ARG defaults substituted). */
  from: string;
  /** The `AS` name, lower-cased as Docker compares it. */
  name?: string;
  /** Position among the stages, the number `COPY --from=<n>` uses. */
  index: number;
  /** The FROM instruction itself, then every instruction up to the next FROM. */
  instructions: Instruction[];
};

export type Dockerfile = {
  directives: Record<string, string>;
  /** ARG instructions before the first FROM, with their defaults. */
  globalArgs: Record<string, string>;
  stages: Stage[];
};

const FLAGGED = new Set(['FROM', 'COPY', 'ADD', 'RUN']);
const DIRECTIVE = /^#\s*([A-Za-z]+)\s*=\s*(.*?)\s*$/;

/** Logical lines: directives read, comments dropped, continuations joined. */
function logicalLines(text: string): { directives: Record<string, string>; lines: [number, string][] } {
  const raw = text.replace(/\r\n/g, '\n').split('\n');
  const directives: Record<string, string> = {};
  let start = 0;
  // Parser directives only count at the very top, before any comment, blank line or instruction.
  for (; start < raw.length; start++) {
    const match = DIRECTIVE.exec((raw[start] as string).trim());
    if (!match) break;
    directives[(match[1] as string).toLowerCase()] = match[2] as string;
  }
  const escapeChar = directives.escape ?? '\\';
  if (escapeChar !== '\\' && escapeChar !== '`')
    throw new Error(`unsupported escape directive: ${escapeChar}`);

  const lines: [number, string][] = [];
  let pending: { line: number; text: string } | null = null;
  for (let i = start; i < raw.length; i++) {
    const trimmed = (raw[i] as string).trim();
    // Comment lines, including those inside a continued instruction, are removed before anything else.
    // Blank lines too: inside a continued instruction Docker skips them (with a deprecation warning).
    if (trimmed.startsWith('#') || trimmed === '') continue;
    const continued = trimmed.endsWith(escapeChar);
    const body = continued ? trimmed.slice(0, -1).trimEnd() : trimmed;
    if (pending === null) pending = { line: i + 1, text: body };
    else if (body !== '') pending.text = `${pending.text} ${body}`;
    if (!continued) {
      lines.push([pending.line, pending.text]);
      pending = null;
    }
  }
  if (pending !== null) lines.push([pending.line, pending.text]);
  return { directives, lines };
}

function parseInstruction(line: number, text: string): Instruction {
  const keywordMatch = /^(\S+)\s*(.*)$/.exec(text) as RegExpExecArray;
  const keyword = (keywordMatch[1] as string).toUpperCase();
  let args = keywordMatch[2] as string;
  const flags: Record<string, string> = {};
  if (FLAGGED.has(keyword)) {
    for (
      let flag = /^--([A-Za-z-]+)(?:=(\S*))?\s*/.exec(args);
      flag;
      flag = /^--([A-Za-z-]+)(?:=(\S*))?\s*/.exec(args)
    ) {
      flags[flag[1] as string] = flag[2] ?? '';
      args = args.slice(flag[0].length);
    }
  }
  if (/^(COPY|ADD|RUN)$/.test(keyword) && /<<-?["']?[A-Za-z_]/.test(args))
    throw new Error(`line ${line}: heredocs are not supported by this reader`);
  return { keyword, flags, args, line };
}

/** `$NAME` and `${NAME}` replaced from `values`; unknown names are left as written. */
export function substitute(text: string, values: Record<string, string>): string {
  return text.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (whole, braced, bare) => {
    const value = values[(braced ?? bare) as string];
    return value ?? whole;
  });
}

/** Reads a Dockerfile's text. Throws on an instruction before the first FROM other than ARG. */
export function parseDockerfile(text: string): Dockerfile {
  const { directives, lines } = logicalLines(text);
  const globalArgs: Record<string, string> = {};
  const stages: Stage[] = [];
  for (const [line, content] of lines) {
    const instruction = parseInstruction(line, content);
    if (instruction.keyword === 'FROM') {
      const [image, as, name] = substitute(instruction.args, globalArgs).split(/\s+/);
      if (!image || (as !== undefined && (as.toUpperCase() !== 'AS' || !name)))
        throw new Error(`line ${line}: FROM <image> [AS <name>] expected, got: ${instruction.args}`);
      stages.push({
        from: image,
        name: name?.toLowerCase(),
        index: stages.length,
        instructions: [instruction],
      });
    } else if (stages.length > 0) {
      (stages.at(-1) as Stage).instructions.push(instruction);
    } else if (instruction.keyword === 'ARG') {
      const [argName, value = ''] = instruction.args.split('=', 2) as [string, string?];
      globalArgs[argName.trim()] = value.trim().replace(/^"(.*)"$/, '$1');
    } else {
      throw new Error(`line ${line}: ${instruction.keyword} before the first FROM`);
    }
  }
  if (stages.length === 0) throw new Error('no FROM instruction');
  return { directives, globalArgs, stages };
}

/** The source and destination paths of COPY or ADD, in either the JSON (exec) or the shell form. */
export function copyPaths(instruction: Instruction): { sources: string[]; destination: string } {
  const words = instruction.args.startsWith('[')
    ? (JSON.parse(instruction.args) as string[])
    : instruction.args.split(/\s+/).filter((word) => word !== '');
  if (words.length < 2)
    throw new Error(`line ${instruction.line}: ${instruction.keyword} needs a source and a destination`);
  return { sources: words.slice(0, -1), destination: words.at(-1) as string };
}

/** The stage a `FROM` or `COPY --from` names, if it is an earlier stage rather than an image. */
export function stageNamed(dockerfile: Dockerfile, reference: string, before: number): Stage | undefined {
  const earlier = dockerfile.stages.slice(0, before);
  if (/^\d+$/.test(reference)) return earlier[Number(reference)];
  return earlier.find((stage) => stage.name === reference.toLowerCase());
}
