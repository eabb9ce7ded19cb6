import type { LabReport, LabRun } from '../runner/types.js'

/** The `--json` document: always an object `{ "runs": [...] }`, per-message traces left out. */
export interface LabJson {
  readonly runs: readonly LabRun[]
}

/** The `--json` document of a report. */
export function reportJson(report: Pick<LabReport, 'runs'>): LabJson {
  return { runs: report.runs }
}

/** The `--json` output: the document, pretty-printed, ending with a newline. */
export function renderJson(report: Pick<LabReport, 'runs'>): string {
  return `${JSON.stringify(reportJson(report), null, 2)}\n`
}
