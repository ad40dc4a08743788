/**
 * What a job does. Every kind goes through the same lifecycle (states, attempts, cancel, log); the worker runs
 * each in a supervised Python child with its own entry point.
 * - `train`: the seven-step CT pipeline of its spec.
 * - `score`: a pipeline's model (its champion, another alias or a version) predicts rows; every prediction is stored.
 * - `monitor`: live metrics and data drift over a window of stored predictions, logged to MLflow.
 */
export const JOB_KINDS = ['train', 'score', 'monitor'] as const;
export type JobKind = (typeof JOB_KINDS)[number];
