/**
 * Preloaded (NODE_OPTIONS=--require) into every node process of a lab run, so each reports its
 * exact peak RSS (VmHWM) as it exits, even a child that exits between two polls:
 * writes `<pid>.json` into the directory named by PROTOLAB_BENCH_RSS_DIR.
 */
const { readFileSync, writeFileSync } = require('node:fs')
const { join } = require('node:path')

const directory = process.env.PROTOLAB_BENCH_RSS_DIR
if (directory) {
  process.on('exit', () => {
    try {
      const status = readFileSync('/proc/self/status', 'utf8')
      const match = /^VmHWM:\s+(\d+) kB/m.exec(status)
      const report = {
        pid: process.pid,
        ppid: process.ppid,
        argv: process.argv.slice(1),
        peakRssBytes: Number(match?.[1]) * 1024,
      }
      writeFileSync(join(directory, `${process.pid}.json`), JSON.stringify(report))
    } catch {
      // A report is a bonus: never let it change how the process exits.
    }
  })
}
