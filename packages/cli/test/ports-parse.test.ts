import { parseProcNet, selectSockets } from '@protolab/core'
import { describe, expect, it } from 'vitest'
import { formatSocketTable } from '../src/ports/table.js'

const TAIL = '00000000:00000000 00:00000000 00000000  1000        0 123456 1 0000000000000000 100 0 0 10 0'
const TCP6 = `  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000000000000000000001000000:1F91 00000000000000000000000000000000:0000 0A ${TAIL}
   1: 0000000000000000FFFF00000100007F:0050 0000000000000000FFFF00000100007F:C350 08 ${TAIL}
   2: B80D0120000000000000000001000000:01BB 00000000000000000000000000000000:0000 0A ${TAIL}
`
const UDP = `   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops
  100: 3500007F:0035 00000000:0000 07 ${TAIL} 0
  101: 0100007F:A000 0100007F:0035 01 ${TAIL} 0
`

describe('formatSocketTable', () => {
  it('prints a netstat -an style table, a missing peer as *', () => {
    const table = formatSocketTable(
      selectSockets([...parseProcNet(UDP, 'udp'), ...parseProcNet(TCP6, 'tcp6')], {}),
    )
    expect(table.split('\n')).toEqual([
      'Proto  Local Address          Foreign Address           State        Service',
      'tcp6   [::ffff:127.0.0.1]:80  [::ffff:127.0.0.1]:50000  CLOSE_WAIT   http',
      'tcp6   [2001:db8::1]:443      [::]:*                    LISTEN       https',
      'tcp6   [::1]:8081             [::]:*                    LISTEN',
      'udp    127.0.0.53:53          0.0.0.0:*                 UNCONN       domain',
      'udp    127.0.0.1:40960        127.0.0.1:53              ESTABLISHED  domain',
    ])
  })
})
