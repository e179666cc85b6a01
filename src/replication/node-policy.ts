import { join } from 'node:path'
import { Type, type Static } from '@sinclair/typebox'
import type { StorageNodeInput } from '../catalogue/index.js'
import { NodeDefinition, nodeProblems, toNodeInput } from './nodes.js'
import { fail, parsePolicy, readPolicyText, type PolicyProblem } from './policy-file.js'
import type { SeismicZones } from './seismic.js'

// storage-policies/nodes.yaml: the nodes an archive center declares (the primary and its remote copies).
// Checked at start like integration.yaml: a node in an unknown region, a credential variable not set on
// this host, a second primary — each named by file:line:col and key, all at once, and the service does
// not start. Nodes made through the API are not in this file.

const NodesFile = Type.Object({
  nodes: Type.Array(NodeDefinition, { default: [] })
}, { additionalProperties: false })
type NodesFile = Static<typeof NodesFile>

/** Reads nodes.yaml (none: no declared nodes). CONFIG_INVALID naming every problem. */
export async function loadNodePolicy (policiesDir: string, zones: SeismicZones, secretOf: (name: string) => string | undefined): Promise<StorageNodeInput[]> {
  const file = join(policiesDir, 'nodes.yaml')
  const text = await readPolicyText(file)
  return text === null ? [] : parseNodePolicy(file, text, zones, secretOf)
}

export function parseNodePolicy (file: string, text: string, zones: SeismicZones, secretOf: (name: string) => string | undefined): StorageNodeInput[] {
  const { value, at } = parsePolicy<NodesFile>(file, text, NodesFile)
  const problems: PolicyProblem[] = []
  const seen = new Set<string>()
  value.nodes.forEach((n, i) => {
    if (seen.has(n.id)) problems.push(at(`/nodes/${i}/id`, `${n.id} is declared twice`))
    seen.add(n.id)
    for (const p of nodeProblems(n, zones, secretOf)) problems.push(at(`/nodes/${i}/${p.field.replace('.', '/')}`, p.message))
  })
  const primaries = value.nodes.flatMap((n, i) => n.primary ? [i] : [])
  for (const i of primaries.slice(1)) problems.push(at(`/nodes/${i}/primary`, `only one node is the primary (${value.nodes[primaries[0]!]!.id} is)`))
  if (problems.length > 0) fail(file, problems)
  return value.nodes.map(toNodeInput)
}
