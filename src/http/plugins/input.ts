import { isUtf8 } from 'node:buffer'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { LantaiError } from '../../errors.js'

// Strings are strings (issue 11 item 17). ajv runs without type coercion, so a JSON number where the
// schema wants a name is refused instead of quietly becoming "123". Query strings and path parameters
// are text on the wire, so the integers and booleans their schemas declare are read here, before
// validation, from their plain decimal or true/false spelling and nothing looser. No string input may
// hold NUL or anything that is not UTF-8: JSON bodies are checked as bytes, the URL's percent-escapes
// are checked as UTF-8, and every string that comes out of them is checked for NUL and lone surrogates.

const invalid = (en: string, zh: string): LantaiError => new LantaiError('REQUEST_INVALID', en, { detailZh: zh })

type JsonSchema = { type?: unknown, properties?: Record<string, JsonSchema> } | undefined

function coerce (schema: JsonSchema, values: unknown): void {
  if (schema?.properties === undefined || values === null || typeof values !== 'object') return
  const target = values as Record<string, unknown>
  for (const [key, prop] of Object.entries(schema.properties)) {
    const raw = target[key]
    if (typeof raw !== 'string') continue
    if (prop?.type === 'integer' && /^-?\d{1,16}$/.test(raw)) target[key] = Number(raw)
    else if (prop?.type === 'number' && /^-?\d{1,16}(\.\d{1,16})?$/.test(raw)) target[key] = Number(raw)
    else if (prop?.type === 'boolean' && (raw === 'true' || raw === 'false')) target[key] = raw === 'true'
  }
}

// With the u flag a well-formed surrogate pair is one code point, so only a lone half matches.
const BAD_CHAR = /\0|\p{Cs}/u

/**
 * A string from the request as it may be stored before it is validated (the access-log row is written
 * first): NUL and lone surrogates, which PostgreSQL text cannot hold, become U+FFFD.
 */
export const storable = (value: string): string => value.replace(/\0|\p{Cs}/gu, '\uFFFD')

function checkStrings (where: string, value: unknown, depth = 0): void {
  if (typeof value === 'string') {
    if (BAD_CHAR.test(value)) throw invalid(`${where} holds a NUL character or text that is not UTF-8`, `${where} 含有 NUL 字符或非 UTF-8 文本`)
    return
  }
  if (value === null || typeof value !== 'object' || depth > 64) return
  // What JSON, the query parser and the router produce; a streamed upload body is not walked.
  if (typeof (value as { pipe?: unknown }).pipe === 'function' || ArrayBuffer.isView(value)) return
  for (const [key, v] of Object.entries(value)) {
    checkStrings(where, key, depth + 1)
    checkStrings(`${where}/${key}`, v, depth + 1)
  }
}

function checkUrl (req: FastifyRequest): void {
  try {
    decodeURIComponent(req.url)
  } catch {
    throw invalid('the URL\'s percent-escapes are not UTF-8', 'URL 的百分号转义不是 UTF-8')
  }
}

export const input = fp(async (app: FastifyInstance) => {
  app.removeContentTypeParser('application/json')
  const parseJson = app.getDefaultJsonParser('error', 'error')
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (req, body: Buffer, done) => {
    if (!isUtf8(body)) { done(invalid('the JSON body is not UTF-8', 'JSON 请求体不是 UTF-8'), undefined); return }
    void parseJson(req, body as unknown as string, done) // it answers through done
  })

  app.addHook('preValidation', async req => {
    checkUrl(req)
    checkStrings('params', req.params)
    checkStrings('querystring', req.query)
    checkStrings('body', req.body)
    const schema = req.routeOptions.schema as { querystring?: JsonSchema, params?: JsonSchema } | undefined
    coerce(schema?.querystring, req.query)
    coerce(schema?.params, req.params)
  })
}, { name: 'input' })
