import { Command } from 'commander'
import { UsageError } from '../errors.js'
import type { CliIO } from '../io.js'
import { jsonOption } from '../options/output.js'

/** `protolab ip`: what an IPv4 or IPv6 address (with an optional prefix) is. */
export function ipCommand(io: CliIO): Command {
  return new Command('ip')
    .description('describe an address: family, class, network, broadcast, host range and count, scope')
    .argument(
      '<address[/prefix]>',
      'an IPv4 or IPv6 address, optionally with a prefix length (192.168.0.7/24)',
    )
    .addOption(
      jsonOption(
        'print one JSON object: family, address, prefix, class, network, broadcast, firstHost, lastHost, hostCount, scope, isNetworkAddress, isBroadcastAddress, usableAsHost, expanded, compressed',
      ),
    )
    .addHelpText(
      'after',
      `
Without a prefix the address stands alone (/32 or /128).

Examples:
  protolab ip 192.168.0.255/24     the broadcast address of 192.168.0.0/24
  protolab ip 10.0.0.0/8           a network address, class A, private
  protolab ip ::1 --json           IPv6 loopback, for a script`,
    )
    .action(async (address: string, options: { json?: boolean }) => {
      const core = await import('@protolab/core')
      const description = describe(address, core.describeAddress)
      if (options.json) {
        io.stdout.write(`${JSON.stringify(description, null, 2)}\n`)
        return
      }
      const { formatAddressDescription } = await import('../ip/format.js')
      const netmask = core.formatIP(core.netmask(core.parseCidr(address)))
      io.stdout.write(`${formatAddressDescription(description, netmask)}\n`)
    })
}

/** Runs `describeAddress`, turning a malformed address into bad usage with a hint for this command. */
function describe<T>(address: string, describeAddress: (input: string) => T): T {
  try {
    return describeAddress(address)
  } catch (error) {
    if (error instanceof Error && (error as { code?: unknown }).code === 'ERR_INVALID_ADDRESS') {
      throw new UsageError(error.message, {
        hint: 'give an IPv4 or IPv6 address, with an optional prefix: 192.168.0.7/24, 10.0.0.0/8, 2001:db8::/32',
      })
    }
    throw error
  }
}
