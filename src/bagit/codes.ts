// The catalogue of every BagIt finding: one code, one meaning, one rule, declared once.
// docs/errors.md is generated from this table (npm run docs:errors), so wording lives here only.
// notice (六): the report is the one-time rectification notice, so every code must read well to a builder.

export type Severity = 'error' | 'warning'

export interface CodeSpec {
  /** Default severity; a few rules are errors in BagIt 1.0 and warnings before it. */
  readonly severity: Severity
  /** Where the rule comes from: an RFC 8493 section, a BagIt Profiles key, or a Lantai rule. */
  readonly rule: string
  readonly en: string
  readonly zh: string
}

const rfc = (s: string): string => `RFC 8493 §${s}`
const lantai = (s: string): string => `Lantai ${s}`
const profile = (key: string): string => `BagIt Profiles: ${key}`

export const BAG_CODES = {
  // — bagit.txt, the bag declaration —
  BAG_DECLARATION_MISSING: { severity: 'error', rule: rfc('2.1.1'), en: 'bagit.txt is missing from the base directory', zh: '缺少 bagit.txt 声明文件' },
  BAG_DECLARATION_BOM: { severity: 'error', rule: rfc('2.1.1'), en: 'bagit.txt must not start with a byte-order mark', zh: 'bagit.txt 不得包含字节顺序标记 (BOM)' },
  BAG_DECLARATION_NOT_UTF8: { severity: 'error', rule: rfc('2.1.1'), en: 'bagit.txt must be UTF-8', zh: 'bagit.txt 必须使用 UTF-8 编码' },
  BAG_DECLARATION_LINE_MALFORMED: { severity: 'error', rule: rfc('2.1.1'), en: 'bagit.txt line is not of the form "Label: value"', zh: 'bagit.txt 行格式错误，应为“标签: 值”' },
  BAG_DECLARATION_VERSION_MISSING: { severity: 'error', rule: rfc('2.1.1'), en: 'bagit.txt has no BagIt-Version line', zh: 'bagit.txt 缺少 BagIt-Version 行' },
  BAG_DECLARATION_ENCODING_MISSING: { severity: 'error', rule: rfc('2.1.1'), en: 'bagit.txt has no Tag-File-Character-Encoding line', zh: 'bagit.txt 缺少 Tag-File-Character-Encoding 行' },
  BAG_DECLARATION_EXTRA_LINE: { severity: 'error', rule: rfc('2.1.1'), en: 'bagit.txt must hold exactly two lines', zh: 'bagit.txt 只能包含两行' },
  BAG_VERSION_INVALID: { severity: 'error', rule: rfc('2.1.1'), en: 'BagIt-Version is not of the form M.N', zh: 'BagIt-Version 格式错误，应为 M.N' },
  BAG_VERSION_UNSUPPORTED: { severity: 'error', rule: rfc('2.1.1'), en: 'BagIt-Version is not one this validator supports (0.93–0.97, 1.0)', zh: '不支持的 BagIt 版本' },
  BAG_VERSION_ASSUMED: { severity: 'warning', rule: rfc('2.1.1'), en: 'the BagIt version is unknown; the rest of the bag was checked under the most lenient rules', zh: 'BagIt 版本未知，其余部分按最宽松规则检查' },
  BAG_ENCODING_UNSUPPORTED: { severity: 'error', rule: rfc('2.1.1'), en: 'Tag-File-Character-Encoding names a character set this validator cannot decode', zh: '无法识别的标签文件字符编码' },
  BAG_ENCODING_NOT_UTF8: { severity: 'warning', rule: rfc('2.3'), en: 'tag files are not UTF-8 (UTF-8 is strongly recommended)', zh: '标签文件未使用 UTF-8 编码（强烈建议 UTF-8）' },

  // — structure —
  BAG_NOT_A_DIRECTORY: { severity: 'error', rule: rfc('2.1'), en: 'the bag must be a directory', zh: '包根目录不是目录' },
  BAG_PAYLOAD_DIR_MISSING: { severity: 'error', rule: rfc('2.1.2'), en: 'the payload directory data/ is missing', zh: '缺少 data/ 载荷目录' },
  BAG_MANIFEST_MISSING: { severity: 'error', rule: rfc('2.1.3'), en: 'the bag has no payload manifest (manifest-<algorithm>.txt)', zh: '缺少载荷清单 manifest-<算法>.txt' },
  BAG_ALGORITHM_UNSUPPORTED: { severity: 'error', rule: rfc('2.4'), en: 'the manifest uses a checksum algorithm this validator does not support', zh: '清单使用了不支持的摘要算法' },
  BAG_ALGORITHM_NAME_INVALID: { severity: 'error', rule: rfc('2.4'), en: 'the algorithm in a manifest name must be lowercase letters and digits', zh: '清单文件名中的算法名须为小写字母和数字' },
  BAG_ALGORITHM_WEAK: { severity: 'warning', rule: rfc('2.4'), en: 'only weak algorithms (md5, sha1) protect the payload; add sha256 or sha512', zh: '仅使用了弱摘要算法 (md5/sha1)，建议增加 sha256 或 sha512' },

  // — manifest lines and paths —
  BAG_MANIFEST_LINE_MALFORMED: { severity: 'error', rule: rfc('2.1.3'), en: 'manifest line is not "checksum filepath"', zh: '清单行格式错误，应为“摘要 文件路径”' },
  BAG_CHECKSUM_MALFORMED: { severity: 'error', rule: rfc('2.1.3'), en: 'checksum is not hexadecimal of the length the algorithm gives', zh: '摘要值不是该算法长度的十六进制串' },
  BAG_MANIFEST_BINARY_MARKER: { severity: 'warning', rule: rfc('6.1.3'), en: 'md5sum binary marker "*" before the path was ignored; the bag fails strict validation', zh: '路径前的 md5sum 二进制标记“*”已忽略，该包不能通过严格校验' },
  BAG_MANIFEST_DUPLICATE_ENTRY: { severity: 'error', rule: rfc('2.1.3'), en: 'the manifest lists the same file more than once', zh: '清单重复列出同一文件' },
  BAG_MANIFEST_DUPLICATE_CONFLICT: { severity: 'error', rule: rfc('2.1.3'), en: 'the manifest lists the same file more than once with different checksums', zh: '清单以不同摘要重复列出同一文件' },
  BAG_MANIFEST_NAMES_DIRECTORY: { severity: 'error', rule: rfc('2.1.3'), en: 'a manifest entry names a directory, not a file', zh: '清单条目指向目录而非文件' },
  BAG_TAGFILE_BOM: { severity: 'error', rule: rfc('2.3'), en: 'a UTF-8 tag file must not start with a byte-order mark', zh: 'UTF-8 标签文件不得包含 BOM' },
  BAG_TAGFILE_UNDECODABLE: { severity: 'error', rule: rfc('2.3'), en: 'a tag file holds bytes that are not valid in the declared encoding', zh: '标签文件含有与声明编码不符的字节' },
  BAG_PATH_ABSOLUTE: { severity: 'error', rule: rfc('5.1'), en: 'path is absolute', zh: '路径为绝对路径' },
  BAG_PATH_TRAVERSAL: { severity: 'error', rule: rfc('5.1'), en: 'path contains a ".." segment and could leave the bag', zh: '路径含“..”，可能越出包目录' },
  BAG_PATH_HOME: { severity: 'error', rule: rfc('5.1'), en: 'path starts with "~", a home-directory reference', zh: '路径以“~”开头（主目录引用）' },
  BAG_PATH_WINDOWS_FORM: { severity: 'error', rule: rfc('6.1.2'), en: 'path uses a backslash, drive letter or UNC prefix; only "/" separates paths', zh: '路径含反斜杠、盘符或 UNC 前缀；只能用“/”分隔' },
  BAG_PATH_NOT_NORMAL: { severity: 'error', rule: rfc('2.1.3'), en: 'path has empty or "." segments or a control character', zh: '路径含空段、“.”段或控制字符' },
  BAG_PATH_LEADING_DOT_SLASH: { severity: 'warning', rule: rfc('2.1.3'), en: 'path starts with "./"; it was read without it', zh: '路径以“./”开头，已按去掉前缀处理' },
  BAG_PATH_OUTSIDE_PAYLOAD: { severity: 'error', rule: rfc('2.1.3'), en: 'a payload manifest entry lies outside data/', zh: '载荷清单条目不在 data/ 目录内' },
  BAG_NAME_NORMALIZATION_VARIANT: { severity: 'warning', rule: rfc('6.1.1.3'), en: 'names differ only in Unicode normalization', zh: '文件名仅 Unicode 规范化形式不同' },
  BAG_NAME_CASE_COLLISION: { severity: 'warning', rule: rfc('6.1.1.1'), en: 'names differ only in letter case and collide on case-insensitive systems', zh: '文件名仅大小写不同，在不区分大小写的系统上会冲突' },

  // — completeness and fixity —
  BAG_FILE_MISSING: { severity: 'error', rule: rfc('3'), en: 'a file listed in a manifest is not in the bag', zh: '清单所列文件不存在' },
  BAG_FILE_NOT_IN_MANIFEST: { severity: 'error', rule: rfc('3'), en: 'a payload file is not listed in every payload manifest', zh: '载荷文件未列入全部载荷清单' },
  BAG_CHECKSUM_MISMATCH: { severity: 'error', rule: rfc('3'), en: 'the file\'s checksum does not match the manifest', zh: '文件摘要与清单不符' },
  BAG_FILE_UNREADABLE: { severity: 'error', rule: rfc('3'), en: 'a file could not be read', zh: '文件无法读取' },

  // — tag manifests —
  BAG_TAGMANIFEST_MISSING: { severity: 'warning', rule: rfc('2.2.1'), en: 'the bag has no tag manifest, so its tag files are unprotected', zh: '缺少标签清单，标签文件未受摘要保护' },
  BAG_TAGMANIFEST_LISTS_PAYLOAD: { severity: 'error', rule: rfc('2.2.1'), en: 'a tag manifest lists a payload file', zh: '标签清单列出了载荷文件' },
  BAG_TAGMANIFEST_LISTS_TAGMANIFEST: { severity: 'error', rule: rfc('2.2.1'), en: 'a tag manifest lists a tag manifest', zh: '标签清单列出了标签清单' },
  BAG_TAGMANIFEST_OMITS_MANIFEST: { severity: 'error', rule: rfc('2.2.1'), en: 'a tag manifest does not list a payload manifest', zh: '标签清单未列出载荷清单' },
  BAG_TAGMANIFEST_OMITS_TAGFILE: { severity: 'warning', rule: rfc('2.2.1'), en: 'a tag file is not listed in the tag manifest', zh: '标签文件未列入标签清单' },

  // — bag-info.txt —
  BAG_INFO_LINE_MALFORMED: { severity: 'error', rule: rfc('2.2.2'), en: 'bag-info.txt line is not of the form "Label: value"', zh: 'bag-info.txt 行格式错误，应为“标签: 值”' },
  BAG_INFO_OXUM_MALFORMED: { severity: 'error', rule: rfc('2.2.2'), en: 'Payload-Oxum is not of the form OctetCount.StreamCount', zh: 'Payload-Oxum 格式错误，应为“字节数.文件数”' },
  BAG_INFO_OXUM_REPEATED: { severity: 'error', rule: rfc('2.2.2'), en: 'Payload-Oxum appears more than once', zh: 'Payload-Oxum 出现多次' },
  BAG_INFO_OXUM_MISMATCH: { severity: 'error', rule: rfc('2.2.2'), en: 'Payload-Oxum does not match the payload found', zh: 'Payload-Oxum 与实际载荷不符' },
  BAG_INFO_OXUM_MISSING: { severity: 'warning', rule: rfc('2.2.2'), en: 'bag-info.txt has no Payload-Oxum', zh: 'bag-info.txt 缺少 Payload-Oxum' },
  BAG_INFO_LABEL_REPEATED: { severity: 'warning', rule: rfc('2.2.2'), en: 'a label that should appear once is repeated', zh: '应只出现一次的标签重复出现' },
  BAG_INFO_VALUE_MALFORMED: { severity: 'warning', rule: rfc('2.2.2'), en: 'a reserved label\'s value is not in its documented form', zh: '保留标签的值格式不符合规范' },

  // — fetch.txt —
  BAG_FETCH_LINE_MALFORMED: { severity: 'error', rule: rfc('2.2.3'), en: 'fetch.txt line is not "url length filepath"', zh: 'fetch.txt 行格式错误，应为“URL 长度 文件路径”' },
  BAG_FETCH_URL_INVALID: { severity: 'error', rule: rfc('2.2.3'), en: 'fetch.txt URL is not an absolute URI', zh: 'fetch.txt 中的 URL 不是绝对 URI' },
  BAG_FETCH_NOT_IN_MANIFEST: { severity: 'error', rule: rfc('2.2.3'), en: 'a fetch.txt path is not listed in every payload manifest', zh: 'fetch.txt 中的路径未列入全部载荷清单' },
  BAG_FETCH_PENDING: { severity: 'error', rule: rfc('3'), en: 'a file listed in fetch.txt has not been fetched; the bag is incomplete (Lantai never fetches)', zh: 'fetch.txt 所列文件尚未获取，包不完整（本系统不会自动下载）' },

  // — what Lantai adds: files on disk, limits, archives —
  BAG_SYMLINK: { severity: 'error', rule: lantai('L1 (RFC 8493 §5.1)'), en: 'symbolic links are refused', zh: '不接受符号链接' },
  BAG_HARDLINK: { severity: 'warning', rule: lantai('L1 (RFC 8493 §5.1)'), en: 'file has other hard links; its bytes may be shared with files outside the bag', zh: '文件存在其他硬链接，内容可能与包外文件共享' },
  BAG_SPECIAL_FILE: { severity: 'error', rule: lantai('L1 (RFC 8493 §5.1)'), en: 'devices, FIFOs and sockets are refused', zh: '不接受设备文件、管道或套接字' },
  BAG_JUNK_FILE: { severity: 'warning', rule: lantai('L2 (RFC 8493 §6.1.2)'), en: 'operating-system junk file in the bag', zh: '包内含操作系统生成的垃圾文件' },
  BAG_NAME_NOT_PORTABLE: { severity: 'warning', rule: lantai('L2 (RFC 8493 §6.1.2)'), en: 'name is reserved or invalid on Windows, or longer than 255 bytes', zh: '文件名在 Windows 上保留或非法，或超过 255 字节' },
  BAG_LIMIT_TOTAL_SIZE: { severity: 'error', rule: lantai('L3 limits.maxTotalBytes'), en: 'the bag is larger than the configured limit', zh: '包总大小超过限制' },
  BAG_LIMIT_FILE_COUNT: { severity: 'error', rule: lantai('L3 limits.maxFiles'), en: 'the bag holds more files than the configured limit', zh: '包内文件数超过限制' },
  BAG_LIMIT_PATH_DEPTH: { severity: 'error', rule: lantai('L3 limits.maxPathDepth'), en: 'a path is nested deeper than the configured limit', zh: '路径层级超过限制' },
  BAG_LIMIT_PATH_LENGTH: { severity: 'error', rule: lantai('L3 limits.maxPathBytes'), en: 'a path is longer than the configured limit', zh: '路径长度超过限制' },
  BAG_LIMIT_LINE_LENGTH: { severity: 'error', rule: lantai('L3 limits.maxLineBytes'), en: 'a tag-file line is longer than the configured limit; the rest of the file was not read', zh: '标签文件行过长，该文件其余部分未读取' },
  BAG_LIMIT_TAGFILE_SIZE: { severity: 'error', rule: lantai('L3 limits.maxTagFileBytes'), en: 'a tag file is larger than the configured limit; it was not read', zh: '标签文件超过大小限制，未读取' },
  BAG_LIMIT_COMPRESSION_RATIO: { severity: 'error', rule: lantai('L3 limits.maxCompressionRatio'), en: 'the archive expands far beyond its compressed size (a decompression bomb)', zh: '压缩包解压比例异常（疑似压缩炸弹）' },
  BAG_ARCHIVE_CORRUPT: { severity: 'error', rule: lantai('L4 archives'), en: 'the archive is truncated or corrupt; entries after this point were not read', zh: '压缩包截断或损坏，此后条目未读取' },
  BAG_ARCHIVE_UNKNOWN_FORMAT: { severity: 'error', rule: lantai('L4 archives'), en: 'the file is not a tar, tar.gz or zip archive', zh: '文件不是 tar、tar.gz 或 zip 格式' },
  BAG_ARCHIVE_ENTRY_UNSAFE: { severity: 'error', rule: lantai('L4 archives (RFC 8493 §5.1)'), en: 'archive entry name is absolute, contains "..", or cannot be held by the filesystem; it was not extracted', zh: '压缩包条目名为绝对路径、含“..”或文件系统无法保存，未解压' },
  BAG_ARCHIVE_ENTRY_LINK: { severity: 'error', rule: lantai('L4 archives (RFC 8493 §5.1)'), en: 'archive entry is a symbolic or hard link; it was not extracted', zh: '压缩包条目为符号链接或硬链接，未解压' },
  BAG_ARCHIVE_ENTRY_SPECIAL: { severity: 'error', rule: lantai('L4 archives (RFC 8493 §5.1)'), en: 'archive entry is a device, FIFO or other special file; it was not extracted', zh: '压缩包条目为设备或特殊文件，未解压' },
  BAG_ARCHIVE_ENTRY_DUPLICATE: { severity: 'error', rule: lantai('L4 archives'), en: 'the archive holds the same path twice; the later entry was not extracted', zh: '压缩包中同一路径出现两次，后者未解压' },
  BAG_ARCHIVE_ENTRY_ENCRYPTED: { severity: 'error', rule: lantai('L4 archives'), en: 'archive entry is encrypted and cannot be read', zh: '压缩包条目已加密，无法读取' },
  BAG_ARCHIVE_ENTRY_UNSUPPORTED: { severity: 'error', rule: lantai('L4 archives'), en: 'archive entry uses a compression method that cannot be read (only stored and deflate are); it was not extracted', zh: '压缩包条目使用了无法读取的压缩方法（仅支持存储和 deflate），未解压' },
  BAG_ARCHIVE_LAYOUT: { severity: 'error', rule: lantai('L4 archives (RFC 8493 §4.2)'), en: 'the archive must hold one bag: bagit.txt at its top or in a single top-level directory', zh: '压缩包须只含一个包：bagit.txt 位于顶层或唯一的顶层目录中' },

  // — BagIt Profiles 1.x —
  BAG_PROFILE_IDENTIFIER_MISSING: { severity: 'error', rule: profile('BagIt-Profile-Identifier'), en: 'bag-info.txt does not name the profile in BagIt-Profile-Identifier', zh: 'bag-info.txt 未以 BagIt-Profile-Identifier 声明所用规范' },
  BAG_PROFILE_IDENTIFIER_MISMATCH: { severity: 'error', rule: profile('BagIt-Profile-Identifier'), en: 'bag-info.txt names a different profile', zh: 'bag-info.txt 声明的规范与要求不符' },
  BAG_PROFILE_VERSION_NOT_ACCEPTED: { severity: 'error', rule: profile('Accept-BagIt-Version'), en: 'the profile does not accept this BagIt version', zh: '规范不接受该 BagIt 版本' },
  BAG_PROFILE_SERIALIZATION: { severity: 'error', rule: profile('Serialization'), en: 'the bag\'s serialization is not what the profile requires', zh: '包的封装形式不符合规范要求' },
  BAG_PROFILE_SERIALIZATION_TYPE: { severity: 'error', rule: profile('Accept-Serialization'), en: 'the profile does not accept this archive type', zh: '规范不接受该压缩格式' },
  BAG_PROFILE_TAG_REQUIRED: { severity: 'error', rule: profile('Bag-Info'), en: 'a tag the profile requires is missing', zh: '缺少规范要求的标签' },
  BAG_PROFILE_TAG_VALUE: { severity: 'error', rule: profile('Bag-Info'), en: 'a tag\'s value is not one the profile allows', zh: '标签值不在规范允许的范围内' },
  BAG_PROFILE_TAG_REPEATED: { severity: 'error', rule: profile('Bag-Info'), en: 'a tag the profile marks as not repeatable appears more than once', zh: '规范规定不可重复的标签出现多次' },
  BAG_PROFILE_MANIFEST_REQUIRED: { severity: 'error', rule: profile('Manifests-Required'), en: 'a payload manifest the profile requires is missing', zh: '缺少规范要求的载荷清单' },
  BAG_PROFILE_MANIFEST_NOT_ALLOWED: { severity: 'error', rule: profile('Manifests-Allowed'), en: 'a payload manifest uses an algorithm the profile does not allow', zh: '载荷清单使用了规范不允许的算法' },
  BAG_PROFILE_TAGMANIFEST_REQUIRED: { severity: 'error', rule: profile('Tag-Manifests-Required'), en: 'a tag manifest the profile requires is missing', zh: '缺少规范要求的标签清单' },
  BAG_PROFILE_TAGMANIFEST_NOT_ALLOWED: { severity: 'error', rule: profile('Tag-Manifests-Allowed'), en: 'a tag manifest uses an algorithm the profile does not allow', zh: '标签清单使用了规范不允许的算法' },
  BAG_PROFILE_FETCH_NOT_ALLOWED: { severity: 'error', rule: profile('Allow-Fetch.txt'), en: 'the profile does not allow fetch.txt', zh: '规范不允许 fetch.txt' },
  BAG_PROFILE_FETCH_REQUIRED: { severity: 'error', rule: profile('Fetch.txt-Required'), en: 'the profile requires fetch.txt', zh: '规范要求提供 fetch.txt' },
  BAG_PROFILE_DATA_NOT_EMPTY: { severity: 'error', rule: profile('Data-Empty'), en: 'the profile requires an empty payload', zh: '规范要求载荷为空' },
  BAG_PROFILE_TAGFILE_REQUIRED: { severity: 'error', rule: profile('Tag-Files-Required'), en: 'a tag file the profile requires is missing', zh: '缺少规范要求的标签文件' },
  BAG_PROFILE_TAGFILE_NOT_ALLOWED: { severity: 'error', rule: profile('Tag-Files-Allowed'), en: 'a tag file is not one the profile allows', zh: '标签文件不在规范允许的范围内' },
  BAG_PROFILE_PAYLOAD_REQUIRED: { severity: 'error', rule: profile('Payload-Files-Required'), en: 'a payload file or directory the profile requires is missing', zh: '缺少规范要求的载荷文件或目录' },
  BAG_PROFILE_PAYLOAD_NOT_ALLOWED: { severity: 'error', rule: profile('Payload-Files-Allowed'), en: 'a payload file is not one the profile allows', zh: '载荷文件不在规范允许的范围内' }
} as const satisfies Record<string, CodeSpec>

export type BagCode = keyof typeof BAG_CODES

export const isBagCode = (code: string): code is BagCode => Object.hasOwn(BAG_CODES, code)
