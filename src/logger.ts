import { pino, type Logger } from 'pino'

export type { Logger }

// The one pino root (STYLE.md "Logging"): made in main.ts, handed to fastify as loggerInstance, and
// passed down to capabilities, which make children. Logs go to stderr; tokens are never logged.
export function createLogger (level: string, destination: NodeJS.WritableStream = process.stderr): Logger {
  return pino({
    level,
    base: { service: 'lantai' },
    redact: { paths: ['req.headers.authorization', 'headers.authorization', 'secret', 'token'], censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime
  }, destination)
}
