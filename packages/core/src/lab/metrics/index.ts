export { type ArrivalSample, ArrivalSampler } from './arrival-sample.js'
export { IntervalMeter, type LabInterval } from './interval-meter.js'
export type { LabMetrics, LatencyPercentilesMs } from './lab-metrics.js'
export { LatencyMoments, type LatencyMomentsMs } from './latency-moments.js'
export { latencyPercentilesMs } from './latency-percentiles.js'
export { attributeLoss, type LossCounts, type LostBy } from './loss-attribution.js'
export { ReceiverMetrics, type ReceiverMetricsInit, type ReceiverSummaryOptions } from './receiver-metrics.js'
export {
  decodeMessageRecords,
  type EncodedMessageRecords,
  encodeMessageRecords,
  type LatencyCdf,
  labMetricsFromSummary,
  latencyCdf,
  type MessageRecords,
  RECEIVER_SUMMARY_FORMAT,
  type ReceiverSummary,
  type Stall,
} from './receiver-summary.js'
export { ReorderTracker } from './reorder-tracker.js'
