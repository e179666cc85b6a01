import { createInterface } from 'node:readline'
import { UsageError } from './command.js'

// Passwords reach the CLI on stdin, never in argv (which `ps` and shell histories show to others): the
// first line of a pipe, or typed at a prompt that does not echo.

export async function readSecret (prompt: string): Promise<string> {
  const input = process.stdin
  if (!input.isTTY) {
    const rl = createInterface({ input, terminal: false })
    for await (const line of rl) { rl.close(); return line }
    throw new UsageError('no password on stdin', '标准输入中没有密码')
  }
  process.stderr.write(prompt)
  input.setRawMode(true)
  input.resume()
  input.setEncoding('utf8')
  try {
    return await new Promise<string>((resolve, reject) => {
      let typed = ''
      const onData = (chunk: string): void => {
        for (const ch of chunk) {
          if (ch === '\r' || ch === '\n') { input.off('data', onData); process.stderr.write('\n'); resolve(typed); return }
          if (ch === '\u0003') { input.off('data', onData); reject(new UsageError('cancelled', '已取消')); return }
          typed = ch === '\u007f' ? typed.slice(0, -1) : typed + ch
        }
      }
      input.on('data', onData)
    })
  } finally {
    input.setRawMode(false)
    input.pause()
  }
}
