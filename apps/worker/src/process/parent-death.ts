/**
 * The first thing a pipeline process runs, before the pipeline itself: it asks Linux to SIGKILL it when the
 * worker that spawned it dies (PR_SET_PDEATHSIG), then replaces itself with the pipeline (exec keeps that
 * setting). If the worker died before the request was made, its parent is no longer the worker: it exits.
 * A fixed program, passed with `-c`; its arguments are the worker's pid and the pipeline's argv.
 */
const PARENT_DEATH_LAUNCHER = [
  'import ctypes, os, signal, sys',
  'PR_SET_PDEATHSIG = 1',
  'libc = ctypes.CDLL(None, use_errno=True)',
  'if libc.prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0) != 0:',
  '    sys.exit("cannot ask to die with the worker: errno %d" % ctypes.get_errno())',
  'if os.getppid() != int(sys.argv[1]):',
  '    os._exit(70)',
  'os.execv(sys.executable, [sys.executable, *sys.argv[2:]])',
].join('\n');

/** The argv that runs `pipelineArgs` under {@link PARENT_DEATH_LAUNCHER}. */
export function launcherArgs(pipelineArgs: readonly string[]): string[] {
  return ['-c', PARENT_DEATH_LAUNCHER, String(process.pid), ...pipelineArgs];
}
