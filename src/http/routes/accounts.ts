import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import type { Catalogue } from '../../catalogue/index.js'
import { LantaiError } from '../../errors.js'
import { changeAccount, changePassword, createAccount } from '../../people/index.js'
import { Problem, ProblemResponses } from '../schemas/common.js'
import { AccountRole, AccountView, Clearance, Login, Password } from '../schemas/people.js'

// People's accounts (issue 15 item 3). The routes let the roles in; src/people/duties.ts decides what
// each may do to which account (the admin: archivists, readers, admins; the officer: clearances).

export interface AccountRoutesOptions { catalogue: Catalogue }

const Id = Type.Object({ id: Type.String({ maxLength: 64, description: "the account's id ('acc_…')" }) })

export const accountRoutes: FastifyPluginAsyncTypebox<AccountRoutesOptions> = async (app, { catalogue }) => {
  app.post('/accounts', {
    config: { action: 'account.create' },
    schema: {
      summary: 'Create an account; a security officer\'s or an auditor\'s is made through a credential request', tags: ['people'],
      body: Type.Object({ login: Login, displayName: Type.String({ minLength: 1, maxLength: 200, description: 'the person\'s name' }), role: AccountRole, clearance: Type.Optional(Clearance), password: Password }, { additionalProperties: false }),
      response: { 201: AccountView, 409: Type.Ref(Problem), ...ProblemResponses }
    }
  }, async (req, reply) => reply.code(201).send(await createAccount(catalogue, principal(req.principal), req.body)))

  app.get('/accounts', {
    config: { action: 'account.list' },
    schema: { summary: 'List accounts (never their passwords)', tags: ['people'], response: { 200: Type.Array(AccountView), ...ProblemResponses } }
  }, async () => await catalogue.accounts.list())

  app.get('/accounts/:id', {
    config: { action: 'account.read', objectParam: 'id' },
    schema: { summary: 'One account: anyone their own, the three officers any', tags: ['people'], params: Id, response: { 200: AccountView, ...ProblemResponses } }
  }, async req => {
    const p = principal(req.principal)
    if (p.accountId !== req.params.id && !['admin', 'security-officer', 'auditor'].includes(p.role)) {
      throw new LantaiError('DUTY_FORBIDDEN', 'only one\'s own account', { id: req.params.id })
    }
    return await catalogue.accounts.require(req.params.id)
  })

  app.patch('/accounts/:id', {
    config: { action: 'account.update', objectParam: 'id' },
    schema: {
      summary: 'Rename, disable, enable or unlock an account (admin), or set its clearance (security officer)', tags: ['people'], params: Id,
      body: Type.Object({
        displayName: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'the person\'s name' })),
        state: Type.Optional(Type.Union([Type.Literal('active'), Type.Literal('disabled')], { description: 'disabled: its sessions and tokens end' })),
        unlock: Type.Optional(Type.Boolean({ description: 'true: lift a lockout' })),
        clearance: Type.Optional(Clearance)
      }, { additionalProperties: false }),
      response: { 200: AccountView, ...ProblemResponses }
    }
  }, async req => await changeAccount(catalogue, principal(req.principal), req.params.id, req.body))

  app.post('/accounts/:id/password', {
    config: { action: 'account.password', objectParam: 'id' },
    schema: {
      summary: 'Change one\'s own password (with the current one), or reset an account\'s (admin, for the roles it grants)', tags: ['people'], params: Id,
      body: Type.Object({ password: Password, currentPassword: Type.Optional(Password) }, { additionalProperties: false }),
      response: { 204: Type.Null(), ...ProblemResponses }
    }
  }, async (req, reply) => {
    await changePassword(catalogue, principal(req.principal), req.params.id, req.body.password, req.body.currentPassword)
    return reply.code(204).send(null)
  })
}

/** The auth plugin refuses every request without a principal before a handler runs. */
export function principal<T> (p: T | null): T {
  if (p === null) throw new LantaiError('UNAUTHENTICATED')
  return p
}
