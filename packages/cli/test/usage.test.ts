import { describe, expect, it } from 'vitest'
import { runInProcess } from './helpers/in-process.js'
import { runProtolab } from './helpers/processes.js'

/** Checks the error contract: the exact exit code, one `protolab: ...` line, at most a hint after it, no stack. */
function expectError(
  result: { code: number | null; stderr: string; stdout: string },
  code: number,
  message: RegExp,
) {
  const lines = result.stderr.trimEnd().split('\n')
  expect(result.code, result.stderr).toBe(code)
  expect(lines[0]).toMatch(/^protolab: /)
  expect(lines[0]).toMatch(message)
  expect(lines.length, result.stderr).toBeLessThanOrEqual(2)
  if (lines.length === 2) expect(lines[1]).toMatch(/^hint: /)
  expect(result.stderr).not.toMatch(/\n\s+at /)
  expect(result.stdout).toBe('')
}

describe.concurrent('help and version', () => {
  it('prints the version and exits 0', async () => {
    const result = await runProtolab(['--version'])
    expect(result.code).toBe(0)
    expect(result.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/)
  })

  it('lists every command in --help', async () => {
    const result = await runProtolab(['--help'])
    expect(result.code).toBe(0)
    for (const name of ['send', 'listen', 'chat', 'ports', 'ip', 'encodings']) {
      expect(result.stdout).toMatch(new RegExp(`^  ${name}\\b`, 'm'))
    }
  })

  it.each([['nc'], ['lab', 'serve'], ['lab', 'cleanup']])(
    'prints with help %s the same as with --help',
    async (...path) => {
      const asCommand = await runProtolab(['help', ...path])
      const asFlag = await runProtolab([...path, '--help'])
      expect(asCommand.code).toBe(0)
      expect(asCommand.stdout).toMatch(new RegExp(`^Usage: protolab ${path.join(' ')} `))
      expect(asCommand.stdout).toBe(asFlag.stdout)
    },
  )

  it('says a command given to help is unknown, as when it is run', async () => {
    expectError(await runProtolab(['help', 'lisen']), 2, /^protolab: unknown command 'lisen'$/)
  })

  it.each(['send', 'listen', 'chat', 'nc', 'ports', 'ip', 'encodings'])(
    'shows an example in %s --help',
    async (name) => {
      const result = await runProtolab([name, '--help'])
      expect(result.code).toBe(0)
      expect(result.stdout).toMatch(new RegExp(`Examples:\\n\\s+protolab ${name}\\b`))
    },
  )

  it('exits 2 with the usage on stderr when no command is given', async () => {
    const result = await runProtolab([])
    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(/^Usage: protolab/)
  })
})

describe('bad usage: exit code 2 and one line (runCli in process)', () => {
  const cases: Array<[string, string[], RegExp]> = [
    ['an unknown flag', ['send', '--bogus', '127.0.0.1:9', 'x'], /^protolab: unknown option '--bogus'$/],
    ['an unknown command', ['sned'], /unknown command 'sned'/],
    ['an invalid IPv4 address', ['send', '1.2.3:9', 'x'], /invalid IPv4 address "1\.2\.3"/],
    ['a host name that cannot be one', ['send', 'bad_host!:9', 'x'], /invalid host name/],
    ['port 70000 to send to', ['send', '127.0.0.1:70000', 'x'], /port 70000 is out of range \(0-65535\)/],
    ['port 70000 to listen on', ['listen', '70000'], /port 70000 is out of range/],
    ['a port that is not a number', ['listen', '127.0.0.1:http'], /port "http" is not a decimal number/],
    ['port 0 as a destination', ['send', '127.0.0.1:0', 'x'], /cannot send to port 0/],
    ['an unbracketed IPv6 address with a port', ['send', '::1:9000', 'x'], /ambiguous/],
    ['an unknown encoding', ['send', '127.0.0.1:9', '-e', 'klingon', 'x'], /unknown encoding "klingon"/],
    ['an unknown transport', ['listen', '0', '-t', 'sctp'], /argument 'sctp' is invalid/],
    ['an unknown framing', ['listen', '0', '-f', 'json'], /argument 'json' is invalid/],
    ['a count that is not a whole number', ['listen', '0', '--count', '1.5'], /--count takes a whole number/],
    ['a missing argument', ['send'], /missing required argument 'host:port'/],
    ['-4 with an IPv6 address', ['send', '-4', '[::1]:9', 'x'], /IPv6 address, but -4 asks for IPv4/],
    [
      '--broadcast over TCP',
      ['send', '127.0.0.1:9', '-t', 'tcp', '--broadcast', 'x'],
      /--broadcast is for UDP/,
    ],
    ['a chat with no peer', ['chat'], /chat needs --peer/],
    ['a room with a peer', ['chat', '--room', '0', '--peer', '127.0.0.1:9'], /--room runs a room/],
    ['an invalid prefix', ['ip', '10.0.0.1/33'], /prefix \/33 is over 32/],
    ['an invalid --allow entry', ['listen', '0', '--allow', '300.1.1.1'], /octet 300 is over 255/],
    ['an invalid address to describe', ['ip', '300.1.1.1'], /octet 300 is over 255/],
  ]

  it.each(cases)('%s', async (_name, args, message) => {
    expectError(await runInProcess(args), 2, message)
  })

  it('hints at protolab encodings for an unknown encoding', async () => {
    const result = await runInProcess(['listen', '0', '-e', 'klingon'])
    expect(result.stderr).toMatch(/^hint: .*protolab encodings/m)
  })

  it('suggests the command meant', async () => {
    const result = await runInProcess(['sned'])
    expect(result.stderr).toMatch(/^hint: Did you mean send\?$/m)
  })

  it("hints at the command's help for a bad flag value", async () => {
    const result = await runInProcess(['listen', '0', '--count', 'x'])
    expect(result.stderr).toMatch(/^hint: run 'protolab listen --help' for usage$/m)
  })
})

describe.concurrent('bad usage from the built command: exit code 2 and one line', () => {
  const cases: Array<[string, string[], RegExp]> = [
    ['an unknown flag', ['listen', '0', '--bogus'], /^protolab: unknown option '--bogus'$/],
    ['an invalid address', ['send', '1.2.3:9', 'x'], /invalid IPv4 address/],
    ['port 70000', ['listen', '70000', '-t', 'tcp'], /port 70000 is out of range/],
    ['an unknown encoding', ['chat', '--peer', '127.0.0.1:9', '-e', 'klingon'], /unknown encoding "klingon"/],
  ]
  it.each(cases)('%s', async (_name, args, message) => {
    expectError(await runProtolab(args), 2, message)
  })
})
