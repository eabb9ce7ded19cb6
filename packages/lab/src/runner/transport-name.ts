/** The transports the lab can run. */
export type LabTransportName = 'udp' | 'tcp'
