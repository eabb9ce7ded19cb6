export { type AddressDescription, describeAddress } from './describe.js'
export {
  DEFAULT_HOST,
  formatHostPort,
  type HostPort,
  type HostPortDefaults,
  parseHostPort,
} from './host-port.js'
export { isHostName } from './hostname.js'
export { formatIP, type IPFamily, ipFamily, isIP, type ParsedIP, parseIP } from './ip.js'
export { formatIPv4, IPV4_BYTES, intToIPv4, ipv4ToInt, isIPv4, parseIPv4 } from './ipv4.js'
export { type IPv4Class, ipv4Class } from './ipv4-class.js'
export { expandIPv6, formatIPv6, IPV6_BYTES, isIPv4Mapped, isIPv6, parseIPv6 } from './ipv6.js'
export { isPort, MAX_PORT, type PortClass, parsePort, portClass } from './port.js'
export {
  broadcastAddress,
  type Cidr,
  type HostRange,
  hostRange,
  isBroadcastAddress,
  isNetworkAddress,
  lastAddress,
  netmask,
  networkAddress,
  parseCidr,
  prefixContains,
} from './prefix.js'
export { parseProcNetEnd } from './proc-net-end.js'
export { type AddressScope, addressScope } from './scope.js'
export { type ServiceProtocol, serviceName } from './services.js'
