export { CSV_HEADER, csvChunks, FLOWS_CSV_HEADER, writeCsv, writeCsvLog } from './csv.js'
export { FLOW_TABLE_WIDTH, type RenderFlowTableOptions, renderFlowTable } from './flow-table.js'
export {
  type FlowsHtmlReportData,
  type FlowsReportRun,
  type RenderFlowsHtmlOptions,
  renderFlowsHtml,
  writeFlowsHtml,
} from './flows-html.js'
export { describeImpairment, formatCount, type KernelLossTool } from './format.js'
export { type HtmlReportData, type RenderHtmlOptions, renderHtml, writeHtml } from './html.js'
export { intervalHeader, intervalLine } from './interval-lines.js'
export { type LabJson, renderJson, reportJson } from './json.js'
export type { ReportNotesOptions } from './notes.js'
export { CDF_STEPS } from './plot/cdf.js'
export { MAX_PLOT_POINTS } from './plot/sample.js'
export { describeRelay, renderRelayStats } from './relay-stats.js'
export { type MessageStatus, messageStatus } from './status.js'
export { type RenderTableOptions, renderTable } from './table.js'
export { describeRoute, describeWorkload } from './workload.js'
