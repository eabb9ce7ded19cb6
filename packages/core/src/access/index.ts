export { AccessList, AccessRuleError, type AccessRules, accessListOf } from './access-list.js'
export {
  guardEndpoint,
  type PeerClosingEndpoint,
  type RefusalListener,
  refusedByAccessList,
} from './guarded-endpoint.js'
export { refusalLog } from './refusal-log.js'
