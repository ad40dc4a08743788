import { PipelineStatus } from './pipelines/pipeline-status.js';
import { PipelineTriggers } from './pipelines/pipeline-triggers.js';
import { ApiKeyStore } from './store/api-key-store.js';
import { EventStore } from './store/event-store.js';
import { JobStatsStore } from './store/job-stats-store.js';
import { JobStore } from './store/job-store.js';
import { ModelDecisionStore } from './store/model-decision-store.js';
import { ModelLockStore } from './store/model-lock-store.js';
import { MonitoringStore } from './store/monitoring-store.js';
import { PendingRunEndStore } from './store/pending-run-end-store.js';
import { PipelineStore } from './store/pipeline-store.js';
import { PredictionCopy } from './store/prediction-copy.js';
import { PredictionStore } from './store/prediction-store.js';
import { ProjectStore } from './store/project-store.js';

/**
 * The stores built over a data source alone (`new Store(dataSource)`), for an app to make once over its own.
 * `JobLifecycle` and `LogStore` take more than a data source, so each app makes them by hand.
 */
export const DATA_SOURCE_STORES = [
  ApiKeyStore,
  EventStore,
  JobStatsStore,
  JobStore,
  ModelDecisionStore,
  ModelLockStore,
  MonitoringStore,
  PendingRunEndStore,
  PipelineStatus,
  PipelineStore,
  PipelineTriggers,
  PredictionCopy,
  PredictionStore,
  ProjectStore,
] as const;
