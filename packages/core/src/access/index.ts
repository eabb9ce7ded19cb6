export { AccessList, AccessRuleError, type AccessRules, accessListOf } from './access-list.js'
export {
  type EndpointFilter,
  FilteredEndpoint,
  guardEndpoint,
  type PeerClosingEndpoint,
  type RefusalListener,
  refusedByAccessList,
} from './filtered-endpoint.js'
export { refusalLog } from './refusal-log.js'
