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

/** A new token and its secret, shown once; the repository writes its `token.created` event with it. */
export async function issueToken (catalogue: Catalogue, input: IssueTokenInput): Promise<{ token: Token, secret: string }> {
  const { agent, first, ...fields } = input
  return await catalogue.tokens.create(fields, { agent, detail: first === true ? { role: fields.role, first: true } : undefined })
}
