import { type Running, startProtolab } from './processes.js'

/** A protolab command that listens (listen, chat --listen, a room), with the port the OS gave it. */
export interface Listening {
  readonly proc: Running
  readonly port: number
}

/**
 * Starts `protolab <args>` on port 0 and waits for the line in which it says where it listens
 * (`listening on 127.0.0.1:41234 (udp)`, `*** room open on ...`), so no port is ever guessed.
 */
export async function startListening(args: readonly string[]): Promise<Listening> {
  const proc = startProtolab(args)
  const match = await proc.waitFor('stderr', /(?:listening on|room open on) \S*:(\d+) /, 10_000)
  return { proc, port: Number(match[1]) }
}

/** The local port `protolab send -v` says it sent from. */
export function sentFromPort(stderr: string): number {
  const match = stderr.match(/ from (?:\S+):(\d+) to /)
  if (match === null) throw new Error(`send -v did not say where it sent from: ${stderr}`)
  return Number(match[1])
}
