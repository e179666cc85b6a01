// EXPECTED.md (../shared/conformance/bagit/) in codes: for every bag whose "Problems to report" column
// lists something, the findings that column asks for. The verdict of every bag is read from EXPECTED.md
// itself; this table adds only the codes. A problem is {code, path, source?}; `source` pins which
// manifest said it when a bag holds the same problem twice (one per tag manifest).
//
// Where Lantai reports more than the column (never fewer), the extra is listed under `extra` with the
// reason, so the comparison stays exact:
// - an unsafe path is also "outside data/" (the column says so for /tmp/foo and ~/foo but not for ../);
// - a backslash is a Windows form (§6.1.2) wherever it appears;
// - an unsafe manifest path is never looked up, so "the file is absent" (windows-only manifests) is
//   reported as the path-safety errors alone: looking it up is what §5.1 forbids.

export interface Problem { readonly code: string, readonly path?: string, readonly source?: string }
export interface BagExpectation {
  readonly errors: readonly Problem[]
  readonly extra?: readonly Problem[]
  readonly warnings?: readonly Problem[]
}

const winPath = (p: string, fetch = false): BagExpectation => ({
  errors: fetch
    ? [{ code: 'BAG_PATH_OUTSIDE_PAYLOAD', path: p, source: 'fetch.txt' }, { code: 'BAG_PATH_WINDOWS_FORM', path: p, source: 'fetch.txt' }, { code: 'BAG_FETCH_NOT_IN_MANIFEST' }]
    : [{ code: 'BAG_PATH_OUTSIDE_PAYLOAD', path: p }, { code: 'BAG_PATH_WINDOWS_FORM', path: p }]
})
const unsafe = (code: string, p: string, fetch = false): BagExpectation => ({
  errors: fetch
    ? [{ code, path: p, source: 'fetch.txt' }, { code: 'BAG_PATH_OUTSIDE_PAYLOAD', path: p, source: 'fetch.txt' }, { code: 'BAG_FETCH_NOT_IN_MANIFEST' }]
    : [{ code, path: p }, { code: 'BAG_PATH_OUTSIDE_PAYLOAD', path: p }]
})

export const BAGIT_EXPECTED: Readonly<Record<string, BagExpectation>> = {
  'v0.97/invalid/baginfo-missing-encoding': {
    errors: [{ code: 'BAG_DECLARATION_ENCODING_MISSING', path: 'bagit.txt' }, { code: 'BAG_CHECKSUM_MISMATCH', path: 'bagit.txt', source: 'tagmanifest-md5.txt' }]
  },
  'v0.97/invalid/bom-in-bagit.txt': { errors: [{ code: 'BAG_DECLARATION_BOM', path: 'bagit.txt' }] },
  'v0.97/invalid/corrupt-data-file': {
    errors: [{ code: 'BAG_INFO_OXUM_MISMATCH', path: 'bag-info.txt' }, { code: 'BAG_CHECKSUM_MISMATCH', path: 'data/bare-filename' }]
  },
  'v0.97/invalid/corrupt-tag-file': {
    errors: [
      { code: 'BAG_CHECKSUM_MISMATCH', path: 'bag-info.txt' },
      { code: 'BAG_CHECKSUM_MISMATCH', path: 'bagit.txt' },
      { code: 'BAG_CHECKSUM_MISMATCH', path: 'manifest-md5.txt' }
    ]
  },
  'v0.97/invalid/extra-file-in-bag': {
    errors: [{ code: 'BAG_FILE_NOT_IN_MANIFEST', path: 'data/bar' }, { code: 'BAG_INFO_OXUM_MISMATCH', path: 'bag-info.txt' }]
  },
  'v0.97/invalid/invalid-version-number': {
    errors: [
      { code: 'BAG_VERSION_INVALID', path: 'bagit.txt' },
      { code: 'BAG_CHECKSUM_MISMATCH', path: 'bagit.txt', source: 'tagmanifest-sha256.txt' },
      { code: 'BAG_CHECKSUM_MISMATCH', path: 'bagit.txt', source: 'tagmanifest-sha512.txt' }
    ]
  },
  'v0.97/invalid/missing-baginfo': { errors: [{ code: 'BAG_FILE_MISSING', path: 'bag-info.txt' }] },
  'v0.97/invalid/missing-bagit.txt': {
    errors: [{ code: 'BAG_DECLARATION_MISSING', path: 'bagit.txt' }, { code: 'BAG_FILE_MISSING', path: 'bagit.txt' }],
    warnings: [{ code: 'BAG_VERSION_ASSUMED' }]
  },
  'v0.97/invalid/out-of-scope-file-paths-using-dot-notation': {
    errors: [{ code: 'BAG_PATH_TRAVERSAL', path: '../../../README.md' }, { code: 'BAG_PATH_OUTSIDE_PAYLOAD', path: '\\.\\./\\.\\./\\.\\./README.md' }],
    extra: [{ code: 'BAG_PATH_OUTSIDE_PAYLOAD', path: '../../../README.md' }, { code: 'BAG_PATH_WINDOWS_FORM', path: '\\.\\./\\.\\./\\.\\./README.md' }]
  },
  'v0.97/invalid/out-of-scope-file-paths-using-dot-notation-for-fetch': unsafe('BAG_PATH_TRAVERSAL', '../../../README.md', true),
  'v0.97/invalid/same-filename-listed-twice-with-different-hashes': {
    errors: [{ code: 'BAG_MANIFEST_DUPLICATE_CONFLICT', path: 'data/README' }, { code: 'BAG_CHECKSUM_MISMATCH', path: 'data/README' }]
  },

  'v0.97/linux-only/out-of-scope-file-paths-using-absolute-path': unsafe('BAG_PATH_ABSOLUTE', '/tmp/foo'),
  'v0.97/linux-only/out-of-scope-file-paths-using-absolute-path-for-fetch': unsafe('BAG_PATH_ABSOLUTE', '/tmp/test.txt', true),
  'v0.97/linux-only/out-of-scope-file-paths-using-shortcut': unsafe('BAG_PATH_HOME', '~/foo'),
  'v0.97/linux-only/out-of-scope-file-paths-using-shortcut-for-fetch': unsafe('BAG_PATH_HOME', '~/test.txt', true),
  'v0.97/linux-only/out-of-scope-file-paths-using-shortcut-username': unsafe('BAG_PATH_HOME', '~root/foo'),
  'v0.97/linux-only/out-of-scope-file-paths-using-shortcut-username-for-fetch': unsafe('BAG_PATH_HOME', '~root/foo', true),

  'v0.97/windows-only/out-of-scope-file-paths-using-absolute-path': winPath('C:\\Windows\\System32\\setx.exe'),
  'v0.97/windows-only/out-of-scope-file-paths-using-absolute-path-for-fetch': winPath('C:\\Windows\\System32\\setx.exe', true),
  'v0.97/windows-only/out-of-scope-file-paths-using-shortcut': winPath('%HomeDrive%\\Windows\\System32\\setx.exe'),
  'v0.97/windows-only/out-of-scope-file-paths-using-shortcut-for-fetch': winPath('%HomeDrive%\\Windows\\System32\\setx.exe', true),
  'v0.97/windows-only/out-of-scope-file-paths-using-unc': winPath('\\\\?\\UNC\\server\\Windows\\System32\\setx.exe'),
  'v0.97/windows-only/out-of-scope-file-paths-using-unc-for-fetch': winPath('\\\\?\\UNC\\server\\Windows\\System32\\setx.exe', true),

  'v0.97/warning/duplicate-file-with-different-case': {
    errors: [{ code: 'BAG_FILE_MISSING', path: 'data/HELLO.txt' }],
    warnings: [{ code: 'BAG_NAME_CASE_COLLISION' }]
  },
  'v0.97/warning/made-with-md5sum-tools': { errors: [], warnings: [{ code: 'BAG_MANIFEST_BINARY_MARKER' }] },
  'v0.97/warning/relative-path': { errors: [], warnings: [{ code: 'BAG_PATH_LEADING_DOT_SLASH' }] },
  'v0.97/warning/same-filename-listed-twice-with-different-normalization': {
    errors: [],
    warnings: [{ code: 'BAG_NAME_NORMALIZATION_VARIANT' }, { code: 'BAG_MANIFEST_DUPLICATE_ENTRY' }]
  },
  'v0.97/warning/same-filename-listed-twice-with-the-same-hash': { errors: [], warnings: [{ code: 'BAG_MANIFEST_DUPLICATE_ENTRY', path: 'data/README' }] },
  'v0.97/warning/special-system-files': {
    errors: [{ code: 'BAG_FILE_MISSING', path: 'data/.DS_Store' }, { code: 'BAG_INFO_OXUM_MISMATCH', path: 'bag-info.txt' }],
    warnings: [{ code: 'BAG_JUNK_FILE', path: 'data/Thumbs.db' }]
  },

  'v1.0/invalid/bagit-with-invalid-whitespace': {
    errors: [{ code: 'BAG_DECLARATION_LINE_MALFORMED', path: 'bagit.txt' }, { code: 'BAG_DECLARATION_LINE_MALFORMED', path: 'bagit.txt' }]
  },
  'v1.0/invalid/notAllManifestsListAllFiles': { errors: [{ code: 'BAG_FILE_NOT_IN_MANIFEST', path: 'data/missingFromManifest.txt' }] },
  'v1.0/invalid/same-filename-listed-twice-with-different-hashes': {
    errors: [
      { code: 'BAG_MANIFEST_DUPLICATE_CONFLICT', path: 'data/README' },
      { code: 'BAG_CHECKSUM_MISMATCH', path: 'data/README' },
      { code: 'BAG_DECLARATION_LINE_MALFORMED', path: 'bagit.txt' },
      { code: 'BAG_CHECKSUM_MISMATCH', path: 'bagit.txt', source: 'tagmanifest-sha256.txt' },
      { code: 'BAG_CHECKSUM_MISMATCH', path: 'bagit.txt', source: 'tagmanifest-sha512.txt' }
    ]
  },
  'v1.0/invalid/same-filename-listed-twice-with-the-same-hash': {
    errors: [
      { code: 'BAG_MANIFEST_DUPLICATE_ENTRY', path: 'data/README' },
      { code: 'BAG_CHECKSUM_MISMATCH', path: 'bagit.txt', source: 'tagmanifest-sha256.txt' },
      { code: 'BAG_CHECKSUM_MISMATCH', path: 'bagit.txt', source: 'tagmanifest-sha512.txt' }
    ]
  }
}
