import t from 'tap'
import { Lexer, PdfFormatError, type PdfObject } from '../../src/seals/pdf/lexer.js'

// ISO 32000-1 §7.3.4.3 hexadecimal strings, as the lexer reads them: plain digits (what signing tools write
// into /Contents) and the forms the standard also allows.

const parse = (text: string): PdfObject => new Lexer(new Uint8Array(Buffer.from(text, 'latin1'))).parseObject()
const bytesOf = (o: PdfObject): number[] => {
  if (typeof o !== 'object' || o === null || o.kind !== 'string') throw new Error('not a string')
  return [...o.bytes]
}

t.test('a hex string of plain digits, upper or lower case, is its bytes', async t => {
  t.same(bytesOf(parse('<3082abCD00>')), [0x30, 0x82, 0xab, 0xcd, 0x00])
  t.same(bytesOf(parse('<>')), [])
})

t.test('whitespace between the digits is ignored, and a final odd digit is followed by 0 (§7.3.4.3)', async t => {
  t.same(bytesOf(parse('<30 82\n ab\tcd>')), [0x30, 0x82, 0xab, 0xcd])
  t.same(bytesOf(parse('<901FA>')), [0x90, 0x1f, 0xa0])
  t.same(bytesOf(parse('<9 01F A>')), [0x90, 0x1f, 0xa0])
})

t.test('the string ends at its ">", and what follows is read next', async t => {
  const lexer = new Lexer(new Uint8Array(Buffer.from('[<0102> <03>]', 'latin1')))
  const array = lexer.parseObject()
  t.match(array, { kind: 'array', items: [{ kind: 'string', hex: true }, { kind: 'string', hex: true }] })
  if (typeof array === 'object' && array !== null && array.kind === 'array') t.same(array.items.map(bytesOf), [[1, 2], [3]])
})

t.test('a character that is no hex digit, or no closing ">", is a format error', async t => {
  const formatError = (text: string): unknown => { try { parse(text) } catch (e) { return e } return undefined }
  t.type(formatError('<30G2>'), PdfFormatError)
  t.match(formatError('<30G2>'), { message: /bad character in hex string \(at byte 3\)/ })
  t.match(formatError('<3082'), { message: /unterminated hex string/ })
  t.match(formatError('<30 8'), { message: /unterminated hex string/ })
})
