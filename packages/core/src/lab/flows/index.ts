export {
  type AggregateFlowsOptions,
  aggregateFlows,
  type FlowAggregate,
  type FlowOutcome,
  flowBitsPerSec,
} from './aggregate.js'
export { type Fairness, type FlowDelivery, type FlowShare, fairness, jainIndex } from './fairness.js'
export {
  type FlowPlan,
  type FlowSpec,
  MAX_FLOWS,
  type ParseFlowSpecOptions,
  parallelFlowPlan,
  parseFlowSpec,
  parseParallel,
  planTransports,
} from './flow-plan.js'
export {
  describePacing,
  type FlowPacing,
  formatBitsPerSec,
  messagesPerSecond,
  parsePacing,
} from './pacing.js'
