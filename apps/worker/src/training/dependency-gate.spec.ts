import type { WorkerConfig } from '../config/worker-config.js';
import type { Database } from '../database/database.js';
import type { MlflowClient } from '../mlflow/mlflow-client.js';
import { DependencyGate } from './dependency-gate.js';

/** The gate's decisions over stand-ins that say whether each dependency answers, counting the probes. */
function gate(answered: { recently: boolean; probe: boolean }) {
  const probes = { mlflow: 0, postgres: 0 };
  const mlflow = {
    answeredWithin: () => answered.recently,
    reachable: async () => {
      probes.mlflow += 1;
      return answered.probe;
    },
  };
  const db = {
    reachable: async () => {
      probes.postgres += 1;
      return true;
    },
  };
  const sut = new DependencyGate(
    mlflow as unknown as MlflowClient,
    db as unknown as Database,
    { outageBudgetMs: 60_000 } as WorkerConfig,
  );
  return { sut, probes };
}

describe('DependencyGate', () => {
  it('takes an MLflow call answered in the last second for a probe of MLflow, and still probes Postgres', async () => {
    const { sut, probes } = gate({ recently: true, probe: false });
    await expect(sut.check()).resolves.toEqual([]);
    expect(probes).toEqual({ mlflow: 0, postgres: 1 });
    sut.onApplicationShutdown();
  });

  it('probes MLflow when nothing answered lately, and says it is down when the probe fails', async () => {
    const { sut, probes } = gate({ recently: false, probe: false });
    await expect(sut.check()).resolves.toEqual(['mlflow']);
    expect(probes).toEqual({ mlflow: 1, postgres: 1 });
    sut.onApplicationShutdown();
  });

  it('probes MLflow for real when asked for a fresh check, whatever answered a moment ago', async () => {
    const { sut, probes } = gate({ recently: true, probe: false });
    await expect(sut.check(true)).resolves.toEqual(['mlflow']);
    expect(probes.mlflow).toBe(1);
    sut.onApplicationShutdown();
  });
});
