import { InvalidArgumentError } from '../errors.js'
import { quote } from './_text.js'
import { parsePort } from './port.js'

/** A transport protocol a service name is registered for. */
export type ServiceProtocol = 'tcp' | 'udp'

type Registration = readonly [port: number, name: string, protocols: 'tcp' | 'udp' | 'tcp+udp']

/**
 * Well-known and common registered services, named as Debian's /etc/services (netbase) names them,
 * which follows the IANA Service Name registry. Two departures: 143 is `imap` (IANA's name; netbase
 * says `imap2` with `imap` as alias), and 5201 is `iperf3`, its de facto port, absent from both.
 * A service is listed only for the protocols it is used over, as /etc/services does.
 */
const REGISTRATIONS: readonly Registration[] = [
  [7, 'echo', 'tcp+udp'],
  [9, 'discard', 'tcp+udp'],
  [13, 'daytime', 'tcp+udp'],
  [17, 'qotd', 'tcp'],
  [19, 'chargen', 'tcp+udp'],
  [20, 'ftp-data', 'tcp'],
  [21, 'ftp', 'tcp'],
  [21, 'fsp', 'udp'],
  [22, 'ssh', 'tcp'],
  [23, 'telnet', 'tcp'],
  [25, 'smtp', 'tcp'],
  [37, 'time', 'tcp+udp'],
  [43, 'whois', 'tcp'],
  [49, 'tacacs', 'tcp+udp'],
  [53, 'domain', 'tcp+udp'],
  [67, 'bootps', 'udp'],
  [68, 'bootpc', 'udp'],
  [69, 'tftp', 'udp'],
  [70, 'gopher', 'tcp'],
  [79, 'finger', 'tcp'],
  [80, 'http', 'tcp'],
  [88, 'kerberos', 'tcp+udp'],
  [110, 'pop3', 'tcp'],
  [111, 'sunrpc', 'tcp+udp'],
  [113, 'auth', 'tcp'],
  [119, 'nntp', 'tcp'],
  [123, 'ntp', 'udp'],
  [135, 'epmap', 'tcp'],
  [137, 'netbios-ns', 'udp'],
  [138, 'netbios-dgm', 'udp'],
  [139, 'netbios-ssn', 'tcp'],
  [143, 'imap', 'tcp'],
  [161, 'snmp', 'tcp+udp'],
  [162, 'snmp-trap', 'tcp+udp'],
  [179, 'bgp', 'tcp'],
  [389, 'ldap', 'tcp+udp'],
  [427, 'svrloc', 'tcp+udp'],
  [443, 'https', 'tcp+udp'],
  [445, 'microsoft-ds', 'tcp'],
  [464, 'kpasswd', 'tcp+udp'],
  [465, 'submissions', 'tcp'],
  [500, 'isakmp', 'udp'],
  [512, 'exec', 'tcp'],
  [512, 'biff', 'udp'],
  [513, 'login', 'tcp'],
  [513, 'who', 'udp'],
  [514, 'shell', 'tcp'],
  [514, 'syslog', 'udp'],
  [515, 'printer', 'tcp'],
  [520, 'route', 'udp'],
  [546, 'dhcpv6-client', 'udp'],
  [547, 'dhcpv6-server', 'udp'],
  [554, 'rtsp', 'tcp+udp'],
  [563, 'nntps', 'tcp'],
  [587, 'submission', 'tcp'],
  [631, 'ipp', 'tcp'],
  [636, 'ldaps', 'tcp+udp'],
  [853, 'domain-s', 'tcp+udp'],
  [873, 'rsync', 'tcp'],
  [989, 'ftps-data', 'tcp'],
  [990, 'ftps', 'tcp'],
  [992, 'telnets', 'tcp'],
  [993, 'imaps', 'tcp'],
  [995, 'pop3s', 'tcp'],
  [1080, 'socks', 'tcp'],
  [1194, 'openvpn', 'tcp+udp'],
  [1433, 'ms-sql-s', 'tcp'],
  [1434, 'ms-sql-m', 'udp'],
  [1701, 'l2f', 'udp'],
  [1812, 'radius', 'tcp+udp'],
  [1813, 'radius-acct', 'tcp+udp'],
  [2049, 'nfs', 'tcp+udp'],
  [3306, 'mysql', 'tcp'],
  [3389, 'ms-wbt-server', 'tcp'],
  [3690, 'svn', 'tcp'],
  [4500, 'ipsec-nat-t', 'udp'],
  [5060, 'sip', 'tcp+udp'],
  [5061, 'sip-tls', 'tcp+udp'],
  [5201, 'iperf3', 'tcp+udp'],
  [5222, 'xmpp-client', 'tcp'],
  [5269, 'xmpp-server', 'tcp'],
  [5353, 'mdns', 'udp'],
  [5432, 'postgresql', 'tcp'],
  [5671, 'amqps', 'tcp'],
  [5672, 'amqp', 'tcp'],
  [6000, 'x11', 'tcp'],
  [6379, 'redis', 'tcp'],
  [6514, 'syslog-tls', 'tcp'],
  [6667, 'ircd', 'tcp'],
  [6697, 'ircs-u', 'tcp'],
  [8080, 'http-alt', 'tcp'],
  [9418, 'git', 'tcp'],
]

const BY_PROTOCOL: Record<ServiceProtocol, ReadonlyMap<number, string>> = {
  tcp: new Map(REGISTRATIONS.filter(([, , p]) => p !== 'udp').map(([port, name]) => [port, name])),
  udp: new Map(REGISTRATIONS.filter(([, , p]) => p !== 'tcp').map(([port, name]) => [port, name])),
}

/**
 * The well-known service name of a port (`80` is `http`), or `undefined` when the table has none.
 * With a protocol, only a service registered for it (`514/tcp` is `shell`, `514/udp` is `syslog`);
 * without one, the TCP name first, then the UDP name (`67` is `bootps`, a UDP-only service).
 * @throws PortRangeError when `port` is not an integer 0-65535.
 */
export function serviceName(port: number, protocol?: ServiceProtocol): string | undefined {
  const checked = parsePort(port)
  if (protocol === undefined) return BY_PROTOCOL.tcp.get(checked) ?? BY_PROTOCOL.udp.get(checked)
  if (protocol !== 'tcp' && protocol !== 'udp') {
    throw new InvalidArgumentError(`protocol ${quote(String(protocol))} is not tcp or udp`)
  }
  return BY_PROTOCOL[protocol].get(checked)
}
