import { runCli } from '../src/cli.js';
import type { CliIo } from '../src/output/io.js';
import { type ContractAnswers, type ContractApi, startContractApi } from './fake-api.js';

/** What one `ct` command line did against the contract fake. */
export interface CtRun {
  code: number;
  out: string;
  err: string;
  requests: ContractApi['requests'];
}

/**
 * Runs `ct` command lines in this process, each against a contract fake of its own with the answers given.
 * `finish()` closes the fakes and returns the contract violations they saw (an unexpected call, or an answer
 * that left the contract): a test expects none.
 */
export function ctRunner() {
  let apis: ContractApi[] = [];
  return {
    async ct(answers: ContractAnswers, ...argv: string[]): Promise<CtRun> {
      const api = await startContractApi(answers);
      apis.push(api);
      const out: string[] = [];
      const err: string[] = [];
      const io: CliIo = {
        out: (text) => out.push(text),
        write: (text) => out.push(text),
        err: (text) => err.push(text),
        interactive: false,
        onInterrupt: () => () => undefined,
      };
      const code = await runCli(argv, { CT_API_URL: api.url, CT_API_KEY: 'test-key' }, io);
      return { code, out: out.join('\n'), err: err.join('\n'), requests: api.requests };
    },
    async finish(): Promise<string[]> {
      await Promise.all(apis.map((api) => api.close()));
      const violations = apis.flatMap((api) => api.violations);
      apis = [];
      return violations;
    },
  };
}
