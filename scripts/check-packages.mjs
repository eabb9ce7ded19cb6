#!/usr/bin/env node
// Checks that every published package (each non-private packages/*) is ready for npm: the root
// LICENSE beside its package.json (npm packs it), and repository, homepage and bugs that point at
// the repository. Packages are found by listing packages/, so a new one is checked as it appears.
// Run by `pnpm lint`; prints one line per problem and exits 1 if there is any.
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const REPOSITORY = 'git+https://github.com/protolab/protolab.git'
const license = readFileSync(join(root, 'LICENSE'), 'utf8')
const problems = []

for (const dir of readdirSync(join(root, 'packages')).sort()) {
  const manifestPath = join(root, 'packages', dir, 'package.json')
  if (!existsSync(manifestPath)) continue
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'))
  if (manifest.private === true) continue
  const say = (problem) => problems.push(`packages/${dir}: ${problem}`)
  const copy = join(root, 'packages', dir, 'LICENSE')
  if (!existsSync(copy)) say(`no LICENSE (copy the root LICENSE: cp LICENSE packages/${dir}/)`)
  else if (readFileSync(copy, 'utf8') !== license) say('LICENSE differs from the root LICENSE')
  if (manifest.files !== undefined && !manifest.files.includes('LICENSE')) say('"files" leaves out LICENSE')
  if (manifest.license !== 'MIT') say('"license" is not MIT')
  const repository = manifest.repository ?? {}
  if (repository.url !== REPOSITORY) say(`"repository.url" is not ${REPOSITORY}`)
  if (repository.directory !== `packages/${dir}`) say(`"repository.directory" is not packages/${dir}`)
  if (typeof manifest.homepage !== 'string' || !manifest.homepage.startsWith('https://')) say('no "homepage"')
  if (typeof manifest.bugs?.url !== 'string') say('no "bugs.url"')
  // Types that import node: modules need @types/node, which the package must declare (as a peer).
  const types = join(root, 'packages', dir, 'dist')
  const needsNodeTypes =
    existsSync(types) &&
    readdirSync(types, { recursive: true })
      .filter((file) => String(file).endsWith('.d.ts'))
      .some((file) => /from ['"]node:/.test(readFileSync(join(types, String(file)), 'utf8')))
  const declared = manifest.peerDependencies?.['@types/node'] ?? manifest.dependencies?.['@types/node']
  if (needsNodeTypes && declared === undefined)
    say('its .d.ts import node: modules but @types/node is not a peer dependency')
}

for (const problem of problems) console.error(problem)
if (problems.length > 0) process.exit(1)
console.log('packages ready for npm: LICENSE, repository, homepage, bugs, @types/node')
