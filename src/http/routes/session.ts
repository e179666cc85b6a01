import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import type { Catalogue } from '../../catalogue/index.js'
import { LantaiError } from '../../errors.js'
import { login, type PeopleSettings } from '../../people/index.js'
import { SESSION_COOKIE } from '../plugins/auth.js'
import { ProblemResponses } from '../schemas/common.js'
import { LoginView, Login, Password, SessionView } from '../schemas/people.js'

// The console's login (issue 15 item 3): an httpOnly, SameSite=Strict cookie (Secure over https) that
// script cannot read, and a CSRF token the console's pages send back as x-csrf-token.

export interface SessionRoutesOptions { catalogue: Catalogue, settings: PeopleSettings }

export const sessionRoutes: FastifyPluginAsyncTypebox<SessionRoutesOptions> = async (app, { catalogue, settings }) => {
  app.post('/session', {
    // public: the login is how one gets credentials; each attempt is a session.* event instead of an access-log row
    config: { public: true },
    schema: {
      summary: 'Log in with a name and a password: sets the session cookie and answers its CSRF token', tags: ['people'],
      body: Type.Object({ login: Login, password: Password }, { additionalProperties: false }),
      response: { 200: LoginView, ...ProblemResponses }
    }
  }, async (req, reply) => {
    const made = await login(catalogue, settings, req.body.login, req.body.password, { ip: req.ip }) // throws LOGIN_FAILED
    void reply.setCookie(SESSION_COOKIE, made.secret, {
      httpOnly: true, sameSite: 'strict', secure: req.protocol === 'https', path: '/', expires: new Date(made.session.expiresAt)
    })
    return { account: made.account, csrfToken: made.csrfToken, expiresAt: made.session.expiresAt }
  })

  app.get('/session', {
    config: { action: 'session.own' },
    schema: { summary: 'Who am I: the caller\'s role, clearance and account, by session or token', tags: ['people'], response: { 200: SessionView, ...ProblemResponses } }
  }, async req => {
    const p = req.principal
    if (p === null) throw new LantaiError('SESSION_NOT_FOUND')
    const session = p.via === 'session' ? await catalogue.sessions.get(p.tokenId) : null
    return { via: p.via, role: p.role, clearance: p.clearance, label: p.label, accountId: p.accountId, credentialId: p.tokenId, expiresAt: session?.expiresAt ?? null }
  })

  app.delete('/session', {
    config: { action: 'session.own' },
    schema: { summary: 'Log out: the session ends and its cookie is cleared', tags: ['people'], response: { 204: Type.Null(), ...ProblemResponses } }
  }, async (req, reply) => {
    const p = req.principal
    if (p?.via !== 'session') throw new LantaiError('SESSION_NOT_FOUND', 'the request was made with a bearer token, not a session')
    await catalogue.sessions.revoke(p.tokenId, p.accountId ?? p.tokenId, 'logout')
    void reply.clearCookie(SESSION_COOKIE, { path: '/' })
    return reply.code(204).send(null)
  })
}
