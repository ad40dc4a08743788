import { type Command, arityOf as sut } from './command.js';
import { cancelCommand, jobsCommand, positionCommand, retryCommand, submitCommand } from './jobs.command.js';
import { approveCommand, modelsCommand, promoteCommand, rejectCommand } from './models.command.js';
import { queueCommand, queuesCommand, workersCommand } from './monitoring.command.js';
import { pipelinesCommand } from './pipelines.command.js';
import { projectCommand } from './projects.command.js';
import {
  groundTruthCommand,
  monitorCommand,
  performanceCommand,
  predictionsCommand,
  scoreCommand,
} from './scoring.command.js';
import { watchCommand } from './watch.command.js';

describe('arityOf', () => {
  it.each([
    ['queues', 0],
    ['cancel <job-id>', 1],
    ['models <team>.<pipeline>', 1],
    ['queue <pause|resume> <queue> [--min-age <seconds>]', 2],
    ['pipelines show <name|id>', 1],
    ['pipelines list [--limit <n>] [--cursor <c>]', 0],
    ['pipelines create -f <spec.json> [--cron <expr> [--timezone <tz>]]', 0],
    ['pipelines arrivals <name|id> --rows <n> [--source <where>]', 1],
  ])('%s takes %i argument(s)', (usage, arity) => {
    expect(sut(usage)).toBe(arity);
  });

  const { subcommands: pipelines } = pipelinesCommand;
  const { subcommands: project } = projectCommand;
  // The number of arguments each command took before its usage line said it.
  it.each(
    (
      [
        [submitCommand, 1],
        [jobsCommand, 0],
        [watchCommand, 1],
        [cancelCommand, 1],
        [retryCommand, 1],
        [positionCommand, 1],
        [queuesCommand, 0],
        [queueCommand, 2],
        [workersCommand, 0],
        [modelsCommand, 1],
        [approveCommand, 2],
        [rejectCommand, 2],
        [promoteCommand, 2],
        ...Object.entries(pipelines).map(([name, command]) => [
          command,
          ['create', 'list'].includes(name) ? 0 : 1,
        ]),
        [project.push, 1],
        [project.list, 0],
        [project.show, 1],
        [scoreCommand, 1],
        [groundTruthCommand, 1],
        [monitorCommand, 1],
        [predictionsCommand, 1],
        [performanceCommand, 1],
      ] as [Command | undefined, number][]
    ).map(([command, arity]) => [command?.usage ?? '', arity] as const),
  )('ct %s takes %i argument(s)', (usage, arity) => {
    expect(sut(usage)).toBe(arity);
  });
});
