export {
  parseProcNet,
  SOCKET_PROTOS,
  type SocketEntry,
  type SocketProto,
  TCP_STATES,
} from './proc-net.js'
export { type SocketFilter, selectSockets } from './select.js'
