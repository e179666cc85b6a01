import type { Catalogue, NewToken, Token } from '../catalogue/index.js'

// Every way a token comes into being (`lantai token create`, POST /v1/tokens, the first start) goes
// through here, so the `token.created` event is written in one place (ARCHITECTURE.md §3) and never
// carries the secret.

export interface IssueTokenInput extends NewToken {
  /** Who asked: a token id, 'cli', or 'system'. */
  agent: string
  /** The admin token of the first start, made because the catalogue had none. */
  first?: boolean
}

/** A new token and its secret, shown once; its `token.created` event is appended. */
export function issueToken (catalogue: Catalogue, input: IssueTokenInput): { token: Token, secret: string } {
  const { agent, first, ...fields } = input
  const { token, secret } = catalogue.tokens.create(fields)
  const detail = first === true ? { role: token.role, first: true } : { role: token.role, label: token.label }
  catalogue.events.append({ type: 'token.created', outcome: 'success', agent, objectType: 'token', objectId: token.id, detail })
  return { token, secret }
}
