import type { Catalogue, NewToken, Token } from '../catalogue/index.js'

// `lantai token create` and POST /v1/tokens ask for tokens here (the first start: first-admin.ts). The
// token repository writes each token with its `token.created` event, never the secret, in one
// transaction (ARCHITECTURE.md §3).

export interface IssueTokenInput extends NewToken {
  /** Who asked: a token id, 'cli', or 'system'. */
  agent: string
}

/** A new token and its secret, shown once; the repository writes its `token.created` event with it. */
export async function issueToken (catalogue: Catalogue, input: IssueTokenInput): Promise<{ token: Token, secret: string }> {
  const { agent, ...fields } = input
  return await catalogue.tokens.create(fields, { agent })
}
