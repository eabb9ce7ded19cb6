/**
 * A transport's name as the lab's registry knows it (`udp`, `tcp`, `kcp`): what the command line,
 * the reports and the child processes carry. What a transport is lives in its descriptor
 * (`transports/registry.ts`), never in comparisons with its name.
 */
export type LabTransportName = string
