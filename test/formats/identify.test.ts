import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { IDENTIFY_WINDOW, identifyFormat } from '../../src/formats/index.js'
import { minimalOfd, writeOfd } from '../fixtures/ofd.js'
import { TestPdf } from '../fixtures/pdf.js'

// Usability 3-3: a file's format comes from its bytes, whatever its name says.

const JPEG = Buffer.from('ffd8ffe000104a46494600010100000100010000ffd9', 'hex')
const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex')

const write = (name: string, bytes: Buffer | string): string => {
  const file = join(t.testdir(), name)
  writeFileSync(file, bytes)
  return file
}

t.test('each format the policy can accept is named by its first bytes, whatever the file is called', async t => {
  const cases: Array<[string, Buffer | string, string]> = [
    ['jpeg', JPEG, 'jpeg'],
    ['png', PNG, 'png'],
    ['tiff-le', Buffer.from('49492a0008000000', 'hex'), 'tiff'],
    ['tiff-be', Buffer.from('4d4d002a00000008', 'hex'), 'tiff'],
    ['dwg', 'AC1032\0\0\0\0\0\0', 'dwg'],
    ['dxf', '  0\nSECTION\n  2\nHEADER\n  0\nENDSEC\n  0\nEOF\n', 'dxf'],
    ['mp4', Buffer.concat([Buffer.from('00000018', 'hex'), Buffer.from('ftypisom\0\0\0\0isomiso2')]), 'mp4'],
    ['mp3-id3', Buffer.concat([Buffer.from('ID3\x04\0\0\0\0\0\0', 'latin1')]), 'mp3'],
    ['mp3-frame', Buffer.from('fffb9064000000', 'hex'), 'mp3'],
    ['wav', Buffer.concat([Buffer.from('RIFF'), Buffer.from('24000000', 'hex'), Buffer.from('WAVEfmt ')]), 'wav'],
    ['xml', '\ufeff<?xml version="1.0" encoding="UTF-8"?>\n<档案 />', 'xml'],
    ['pdf', new TestPdf().bytes, 'pdf']
  ]
  for (const [name, bytes, format] of cases) {
    const id = await identifyFormat(write(`${name}.bin`, bytes))
    t.equal(id.format, format, name)
  }
})

t.test('a PDF is PDF/A only when its XMP names pdfaid:part and conformance', async t => {
  const id = await identifyFormat(write('a.pdf', new TestPdf({ pdfa: true }).bytes))
  t.equal(id.format, 'pdf-a')
  t.same(id.pdfa, { part: '2', conformance: 'B' })
  t.equal((await identifyFormat(write('plain.pdf', new TestPdf().bytes))).format, 'pdf')
})

t.test('an OFD is a zip with OFD.xml; another zip is only a zip', async t => {
  t.equal((await identifyFormat(await writeOfd(t, minimalOfd()))).format, 'ofd')
  const zip = await identifyFormat(await writeOfd(t, { 'readme.txt': 'not a document' }))
  t.equal(zip.format, null)
  t.equal(zip.other, 'zip')
})

t.test('an encrypted PDF is marked by the /Encrypt of its trailer', async t => {
  const pdf = new TestPdf().bytes.toString('latin1').replace(/trailer\s*<</, 'trailer\n<< /Encrypt 9 0 R')
  const id = await identifyFormat(write('locked.pdf', Buffer.from(pdf, 'latin1')))
  t.equal(id.format, 'pdf')
  t.equal(id.encrypted, true)
})

t.test('executables, empty files and unknown bytes are no accepted format', async t => {
  t.same(await identifyFormat(write('setup.pdf', Buffer.from('MZ\x90\0\x03\0\0\0', 'latin1'))), { format: null, other: 'executable', size: 8 })
  t.same(await identifyFormat(write('run.sh', '#!/bin/sh\nrm -rf /\n')), { format: null, other: 'executable', size: 19 })
  t.same(await identifyFormat(write('empty.pdf', '')), { format: null, other: 'empty', size: 0 })
  t.equal((await identifyFormat(write('notes.txt', 'plain words, no markup'))).other, 'unknown')
})

t.test('a big file is identified from a bounded head and tail: a PDF/A whose XMP sits in its last window', async t => {
  // the XMP placed after more than a window of filler: found in the tail, not by reading the middle
  const filler = Buffer.alloc(3 * IDENTIFY_WINDOW, 0x20)
  const xmp = Buffer.from('<x:xmpmeta><rdf:Description pdfaid:part="1" pdfaid:conformance="a"/></x:xmpmeta>')
  const id = await identifyFormat(write('big.pdf', Buffer.concat([Buffer.from('%PDF-1.4\n'), filler, xmp, Buffer.from('\n%%EOF\n')])))
  t.equal(id.format, 'pdf-a')
  t.same(id.pdfa, { part: '1', conformance: 'A' })
  t.equal(id.size, 9 + filler.length + xmp.length + 7)
})
