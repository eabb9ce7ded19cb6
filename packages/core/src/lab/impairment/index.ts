export {
  type DatagramImpairment,
  DEFAULT_LOSS_BURST,
  DEFAULT_QUEUE_LIMIT_MS,
  DEFAULT_REORDER_GAP,
  DEFAULT_REORDER_MAX_HOLD_MS,
  DEFAULT_RTO_MS,
  DEFAULT_SEGMENT_BYTES,
  type LossModel,
  MODELLED_LOSS_NOTE,
  type StreamImpairment,
  validateDatagramImpairment,
  validateStreamImpairment,
} from './config.js'
export {
  type DatagramDecision,
  DatagramImpairer,
  type DatagramImpairerInit,
} from './datagram-impairer.js'
export { describeDatagramImpairment, describeStreamImpairment } from './describe.js'
export { HoldQueue } from './hold-queue.js'
export { createLossDecider, GilbertLoss, type LossDecider, RandomLoss } from './loss.js'
export { parseByteCount, parseDurationMs, parseProbability, parseRate } from './parse.js'
export {
  StreamImpairer,
  type StreamImpairerInit,
  type StreamPiece,
  type StreamPlan,
} from './stream-impairer.js'
export {
  DUPLICATE_ACK_THRESHOLD,
  MAX_LOST_RETRANSMISSIONS,
  RTO_MAX_MS,
  RTT_FLOOR_MS,
  rackRetransmitMs,
  type TcpRecoveryTiming,
  TLP_FLOOR_MS,
  tcpRecoveryTiming,
} from './tcp-recovery.js'
