import { request, type IncomingMessage } from 'node:http'
import { createWriteStream } from 'node:fs'
import { rename, rm } from 'node:fs/promises'
import type { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { ERROR_CODES, type ErrorCode } from '../errors.js'

// A small client for the CLI's commands that talk to a running service (LANTAI_URL, LANTAI_TOKEN).

export interface ClientOptions { url: string, token: string }

export interface ClientResponse { status: number, headers: Record<string, string | string[] | undefined>, body: unknown }

export class ServiceError extends Error {
  constructor (message: string, readonly status: number, readonly problem: unknown) { super(message) }
}

export function clientFromEnv (env: NodeJS.ProcessEnv, overrides: { url?: string, token?: string }): ClientOptions {
  return { url: overrides.url ?? env.LANTAI_URL ?? 'http://127.0.0.1:7480', token: overrides.token ?? env.LANTAI_TOKEN ?? '' }
}

export async function call (opts: ClientOptions, method: string, path: string, body?: { stream: Readable, contentType: string, length?: number, onSent?: (n: number) => void } | { json: unknown }): Promise<ClientResponse> {
  const url = new URL(path, opts.url)
  const headers: Record<string, string | number> = { authorization: `Bearer ${opts.token}`, accept: 'application/json' }
  if (body !== undefined && 'json' in body) headers['content-type'] = 'application/json'
  if (body !== undefined && 'stream' in body) {
    headers['content-type'] = body.contentType
    if (body.length !== undefined) headers['content-length'] = body.length
  }
  return await new Promise<ClientResponse>((resolve, reject) => {
    const req = request(url, { method, headers }, res => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('error', reject)
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8')
        let parsed: unknown = text
        try { parsed = text === '' ? null : JSON.parse(text) } catch { /* not JSON */ }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: parsed })
      })
    })
    req.on('error', reject)
    if (body === undefined) { req.end(); return }
    if ('json' in body) { req.end(JSON.stringify(body.json)); return }
    let sent = 0
    body.stream.on('data', (c: Buffer) => { sent += c.length; body.onSent?.(sent) })
    body.stream.on('error', err => req.destroy(err))
    body.stream.pipe(req)
  })
}

/** The code and detail of a problem+json body, with the code's Chinese; or the status line. */
export function describeFailure (res: ClientResponse): string {
  const p = res.body as { code?: string, detail?: string } | null
  if (p === null || typeof p !== 'object' || typeof p.code !== 'string') return `HTTP ${res.status}`
  const zh = p.code in ERROR_CODES ? `${ERROR_CODES[p.code as ErrorCode].zh} / ` : ''
  return `${p.code}: ${zh}${p.detail ?? ''}`
}

/**
 * GET `path` into `file`: the body streams into `file.part`, renamed to `file` only once whole, so a cut-off
 * answer leaves no file that looks complete. An error answer (not 2xx) is returned parsed, and nothing is written.
 */
export async function download (opts: ClientOptions, path: string, file: string): Promise<ClientResponse & { bytes: number }> {
  const res = await new Promise<IncomingMessage>((resolve, reject) => {
    request(new URL(path, opts.url), { method: 'GET', headers: { authorization: `Bearer ${opts.token}` } }, resolve).on('error', reject).end()
  })
  const status = res.statusCode ?? 0
  if (status < 200 || status >= 300) {
    const chunks: Buffer[] = []
    for await (const c of res) chunks.push(c as Buffer)
    const text = Buffer.concat(chunks).toString('utf8')
    let body: unknown = text
    try { body = JSON.parse(text) } catch { /* not JSON */ }
    return { status, headers: res.headers, body, bytes: 0 }
  }
  const part = `${file}.part`
  let bytes = 0
  res.on('data', (c: Buffer) => { bytes += c.length })
  try {
    await pipeline(res, createWriteStream(part, { flags: 'w' }))
    // a response cut off part way ends without error on some sockets: the length says whether it is whole
    if (!res.complete) throw new Error(`the answer ended after ${bytes} bytes, before its end`)
  } catch (err) {
    await rm(part, { force: true })
    throw err
  }
  await rename(part, file)
  return { status, headers: res.headers, body: null, bytes }
}
